import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { RequestCodeMessage } from '@voucher/contracts';
import type { Database } from '@voucher/platform/database';
import { lifeCycle } from '../src/delivery/life-cycle.ts';
import { createRequestAcceptor } from '../src/requests/accept-request.ts';
import { logger, openTestDatabase, randomPhone, testConfig, toE164 } from './support/gateway-harness.ts';

test('a keyed purchase the broker acknowledged is accepted even when noting its key fails; a retry then publishes it again', async () => {
  const db = await openTestDatabase(testConfig());
  // The database fails the one statement that notes the key's acknowledgement (a connection lost at that moment).
  const markFails: Database = {
    ...db,
    query: ((sql: string, params?: unknown[]) =>
      sql.includes('UPDATE idempotency_keys')
        ? Promise.reject(new Error('connection lost (test)'))
        : db.query(sql, params)) as Database['query'],
  };
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
