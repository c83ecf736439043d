import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { openDatabase, type Database } from '@voucher/platform/database';
import { VoucherStore } from '../src/store/voucher-store.ts';
import { randomCode, receiveCode } from './support/fixtures.ts';

let db: Database;
let store: VoucherStore;

before(async () => {
  db = await openDatabase({
    service: 'voucher-service',
    migrationsDir: fileURLToPath(new URL('../migrations', import.meta.url)),
    url: process.env.DATABASE_URL ?? '',
  });
  store = new VoucherStore(db);
});
after(async () => {
  await db.close();
});

test('the same outcome saved concurrently is stored exactly once and the rest are duplicates', async () => {
  const message = receiveCode();
  const results = await Promise.all(Array.from({ length: 10 }, () => store.save(message)));
  assert.equal(results.filter((result) => result.kind === 'stored').length, 1);
  assert.deepEqual(
    results.filter((result) => result.kind !== 'stored'),
    Array.from({ length: 9 }, () => ({ kind: 'duplicate', differs: false })),
  );
});

test('a second, different outcome for a stored request is a duplicate that changes nothing', async () => {
  const first = receiveCode();
  await store.save(first);
  const result = await store.save({ ...first, voucherCode: randomCode(), status: 'LATE_SUCCESS' });
  assert.deepEqual(result, { kind: 'duplicate', differs: true });
  const row = await store.find(first.requestId);
  assert.equal(row?.voucherCode, first.voucherCode);
  assert.equal(row?.status, 'SUCCESS');
});

test('a code owned by another request is reported with its owner and not stored', async () => {
  const first = receiveCode();
  await store.save(first);
  const second = receiveCode({ voucherCode: first.voucherCode });
  assert.deepEqual(await store.save(second), { kind: 'code-taken', ownerRequestId: first.requestId });
  assert.equal(await store.find(second.requestId), undefined);
});

test('issuedAt with sub-millisecond digits or an offset is stored as the same instant, in UTC milliseconds', async () => {
  const message = receiveCode({ issuedAt: '2026-03-04T12:00:00.123456+07:00' });
  await store.save(message);
  assert.equal((await store.find(message.requestId))?.issuedAt, '2026-03-04T05:00:00.123Z');
});
