import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { Database, Queryable } from '@voucher/platform/database';
import { textedRequestsLookup } from '../src/listing/texted-requests.ts';
import { openTestDatabase, randomPhone, testConfig, toE164 } from './support/gateway-harness.ts';

let db: Database;
before(async () => {
  db = await openTestDatabase(testConfig());
});
after(() => db.close());

async function request(phoneNumber: string, state: string): Promise<string> {
  const requestId = randomUUID();
  await db.query('INSERT INTO voucher_requests (request_id, phone_number, state, deadline) VALUES ($1, $2, $3, now())', [
    requestId,
    phoneNumber,
    state,
  ]);
  return requestId;
}

test('listings in flight together share one query, and each customer gets only their own texted codes', async () => {
  const [first, second, untexted] = [randomPhone(), randomPhone(), randomPhone()].map(toE164) as [string, string, string];
  const firstTexted = [await request(first, 'SENT_BY_SMS'), await request(first, 'SENT_BY_SMS')];
  await request(first, 'DELIVERED');
  const secondTexted = await request(second, 'SENT_BY_SMS');
  await request(untexted, 'DELIVERED');
  let queries = 0;
  const counted: Queryable = { query: (...args: Parameters<Queryable['query']>) => (queries++, db.query(...args)) };
  const textedRequests = textedRequestsLookup(counted);

  const answers = await Promise.all([first, second, untexted, first].map((phoneNumber) => textedRequests(phoneNumber)));

  assert.deepEqual(
    answers.map((texted) => [...texted].sort()),
    [firstTexted.sort(), [secondTexted], [], firstTexted],
  );
  assert.equal(queries, 1, 'one round trip for the four listings');
  assert.deepEqual([...(await textedRequests(second))], [secondTexted], 'a listing alone asks on its own');
  assert.equal(queries, 2);
});
