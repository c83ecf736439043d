import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { RequestCodeMessage } from '@voucher/contracts';
import type { Database } from '@voucher/platform/database';
import { lifeCycle } from '../src/delivery/life-cycle.ts';
import { GatewayErrors } from '../src/errors.ts';
import { createRequestAcceptor } from '../src/requests/accept-request.ts';
import { logger, openTestDatabase, randomPhone, testConfig, toE164 } from './support/gateway-harness.ts';

/** The database, except that the one statement containing `fragment` fails (a connection lost at that moment). */
const failingOn = (db: Database, fragment: string): Database => ({
  ...db,
  query: ((sql: string, params?: unknown[]) =>
    sql.includes(fragment) ? Promise.reject(new Error('connection lost (test)')) : db.query(sql, params)) as Database['query'],
});

test('a keyed purchase the broker acknowledged is accepted even when noting its key fails; a retry then publishes it again', async () => {
  const db = await openTestDatabase(testConfig());
  // The database fails the one statement that notes the key's acknowledgement (a connection lost at that moment).
  const markFails = failingOn(db, 'UPDATE idempotency_keys');
  const published: RequestCodeMessage[] = [];
  const acceptRequest = createRequestAcceptor({
    db: markFails,
    publishRequest: async (message) => void published.push(message),
    deadlineMs: 30_000,
    logger,
  });
  try {
    const phoneNumber = toE164(randomPhone());
    const key = `key-${randomUUID()}`;
    const accepted = await acceptRequest(phoneNumber, key);
    assert.equal(accepted.created, true, 'accepted: the broker holds the request');
    assert.deepEqual(
      published.map((message) => message.requestId),
      [accepted.requestId],
    );
    assert.equal((await lifeCycle.find(db, accepted.requestId))?.state, 'PROCESSING');

    const retry = await acceptRequest(phoneNumber, key);
    assert.deepEqual(retry, { requestId: accepted.requestId, created: false }, 'the key still names its one request');
    assert.deepEqual(
      published.map((message) => message.requestId),
      [accepted.requestId, accepted.requestId],
      'unmarked, the retry publishes the same request again (consumers are idempotent on requestId)',
    );
  } finally {
    await acceptRequest.close();
    await db.close();
  }
});

test('a purchase the broker did not acknowledge is answered "retry" (503) even when marking it UNCONFIRMED fails too', async () => {
  const db = await openTestDatabase(testConfig());
  const markFails = failingOn(db, "SET state = 'UNCONFIRMED'");
  const acceptRequest = createRequestAcceptor({
    db: markFails,
    publishRequest: () => Promise.reject(new Error('the broker did not acknowledge (test)')),
    deadlineMs: 30_000,
    logger,
  });
  try {
    await assert.rejects(
      acceptRequest(toE164(randomPhone()), `key-${randomUUID()}`),
      (error: Error & { status?: number; code?: string }) => {
        assert.equal(error.code, GatewayErrors.REQUEST_NOT_QUEUED.code);
        assert.equal(error.status, 503);
        return true;
      },
    );
  } finally {
    await acceptRequest.close();
    await db.close();
  }
});

test('a retry the broker acknowledged is accepted even when moving its row back to PROCESSING fails', async () => {
  const db = await openTestDatabase(testConfig());
  const confirmFails = failingOn(db, "SET state = 'PROCESSING'");
  let brokerUp = false;
  const acceptRequest = createRequestAcceptor({
    db: confirmFails,
    publishRequest: async () => {
      if (!brokerUp) throw new Error('the broker did not acknowledge (test)');
    },
    deadlineMs: 30_000,
    logger,
  });
  try {
    const phoneNumber = toE164(randomPhone());
    const key = `key-${randomUUID()}`;
    await assert.rejects(acceptRequest(phoneNumber, key));
    brokerUp = true;
    const retry = await acceptRequest(phoneNumber, key);
    assert.equal(retry.created, false);
    const row = await lifeCycle.find(db, retry.requestId);
    assert.equal(row?.state, 'UNCONFIRMED', 'left as it was; its outcome is still taken from UNCONFIRMED');
  } finally {
    await acceptRequest.close();
    await db.close();
  }
});
