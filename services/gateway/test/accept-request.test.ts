import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { RequestCodeMessage } from '@voucher/contracts';
import type { Database } from '@voucher/platform/database';
import { lifeCycle } from '../src/delivery/life-cycle.ts';
import { GatewayErrors } from '../src/errors.ts';
import { createRequestAcceptor } from '../src/requests/accept-request.ts';
import { logger, openTestDatabase, randomPhone, testConfig, toE164 } from './support/gateway-harness.ts';
import { codeMessage } from './support/kafka-helpers.ts';

/** The database, except that the one statement containing `fragment` fails (a connection lost at that moment). */
const failingOn = (db: Database, fragment: string): Database => ({
  ...db,
  query: ((sql: string, params?: unknown[]) =>
    sql.includes(fragment) ? Promise.reject(new Error('connection lost (test)')) : db.query(sql, params)) as Database['query'],
});

test('a retry with the key publishes its one request again while it has no outcome, and nothing once it has one', async () => {
  const db = await openTestDatabase(testConfig());
  const published: RequestCodeMessage[] = [];
  const acceptRequest = createRequestAcceptor({
    db,
    publishRequest: async (message) => void published.push(message),
    deadlineMs: 30_000,
    logger,
  });
  const publishedIds = () => published.map((message) => message.requestId);
  try {
    const phoneNumber = toE164(randomPhone());
    const key = `key-${randomUUID()}`;
    const accepted = await acceptRequest(phoneNumber, key);
    assert.equal(accepted.created, true);
    assert.deepEqual(publishedIds(), [accepted.requestId]);

    // No outcome yet: the broker may hold the record or not (a process that died before publishing leaves the same row).
    const retry = await acceptRequest(phoneNumber, key);
    assert.deepEqual(retry, { requestId: accepted.requestId, created: false }, 'the key still names its one request');
    assert.deepEqual(publishedIds(), [accepted.requestId, accepted.requestId], 'the same request again, never a new one');

    await lifeCycle.recordOutcomes(db, [codeMessage(accepted.requestId, phoneNumber)], 30_000);
    const afterOutcome = await acceptRequest(phoneNumber, key);
    assert.deepEqual(afterOutcome, { requestId: accepted.requestId, created: false });
    assert.equal(published.length, 2, 'its outcome is recorded, so its record arrived: nothing is published');
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
