import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { seedVouchers, syntheticPhoneNumbers } from '../src/tools/seed-vouchers.ts';
import { startHarness, TEST_CURSOR_SECRET, type Harness } from './support/harness.ts';

const ROTATED = 'rotated-cursor-secret-0123456789abcdefghijk';

/**
 * A rolling rotation of CURSOR_SECRET: replicas with the old key and replicas with the new one (the old key as
 * CURSOR_SECRET_PREVIOUS) serve the same customers, so a page's cursor may come back to either.
 */
let before_: Harness;
let during: Harness;
let after_: Harness;
const [number] = syntheticPhoneNumbers(1, 8_000_000 + Math.floor(Math.random() * 900_000));

before(async () => {
  // Three replicas of one deployment: one database schema, three keys.
  const shared = { DATABASE_SCHEMA: `voucher_service_rotation_${Math.random().toString(36).slice(2, 10)}` };
  before_ = await startHarness(shared);
  during = await startHarness({ ...shared, CURSOR_SECRET: ROTATED, CURSOR_SECRET_PREVIOUS: TEST_CURSOR_SECRET });
  after_ = await startHarness({ ...shared, CURSOR_SECRET: ROTATED });
  await seedVouchers(before_.service.db, { rows: 5, phoneNumbers: [number!], batchSize: 5 });
});
after(async () => {
  for (const harness of [before_, during, after_]) await harness.close();
});

const cursorFrom = async (harness: Harness) => {
  const page = await harness.get(`/api/vouchers?phoneNumber=${encodeURIComponent(number!)}&limit=2`);
  assert.equal(page.status, 200);
  return String(page.body.nextCursor);
};
const next = (harness: Harness, cursor: string) =>
  harness.get(`/api/vouchers?phoneNumber=${encodeURIComponent(number!)}&limit=2&cursor=${encodeURIComponent(cursor)}`);

test('a cursor from a replica with the old key continues on a replica that has it as CURSOR_SECRET_PREVIOUS', async () => {
  const old = await cursorFrom(before_);
  assert.equal((await next(during, old)).status, 200);
  assert.equal((await next(after_, old)).status, 400, 'refused once the previous key is dropped');
});

test('cursors made during the rotation use the new key', async () => {
  const fresh = await cursorFrom(during);
  assert.equal((await next(after_, fresh)).status, 200);
  assert.equal((await next(before_, fresh)).status, 400, 'the old key does not sign them');
});
