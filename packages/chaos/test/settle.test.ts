import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stillOpen, type DrainView, type StatusRecord, type StoredRecord } from '../src/settle.ts';

/** What keeps the chaos drain open, on hand-made reads of the gateway, voucher-service and the VPS. */
const R1 = '11111111-1111-4111-8111-111111111111';
const R2 = '22222222-2222-4222-8222-222222222222';
const CODE = 'AAAA-BBBB-CCCC-DDDD';

const view = (overrides: Partial<DrainView> = {}): DrainView => ({
  ids: [R1, R2],
  statuses: new Map<string, StatusRecord>([
    [R1, { httpStatus: 200, status: 'SENT_BY_SMS' }],
    [R2, { httpStatus: 200, status: 'FAILED' }],
  ]),
  stored: new Map<string, StoredRecord>([[R1, { httpStatus: 200, voucherCode: CODE }]]),
  pagesNotFinal: new Set(),
  takenByBank: new Set([R1]),
  vpsBusy: false,
  ...overrides,
});

const nothingOpen = { notFinal: [], notStored: [], notTold: [], pagesWaiting: [], vpsBusy: false };

test('a run whose requests are final, stored where a code was given, and whose VPS is quiet is over', () => {
  assert.deepEqual(stillOpen(view()), nothingOpen);
});

test('a request the gateway gave up on stays open while the code the bank took for it is not stored', () => {
  // Seed 10690: FAILED at the gateway, a late callback taken by the bank, stored a moment after the last read.
  assert.deepEqual(stillOpen(view({ takenByBank: new Set([R1, R2]) })).notStored, [R2]);
});

test('a stored code the gateway has not told the customer yet keeps the drain open', () => {
  const stored = new Map<string, StoredRecord>([
    [R1, { httpStatus: 200, voucherCode: CODE }],
    [R2, { httpStatus: 200, voucherCode: 'EEEE-FFFF-GGGG-HHHH' }],
  ]);
  assert.deepEqual(stillOpen(view({ stored })).notTold, [R2]);
  // A FAILED outcome stored without a code owes the customer nothing more.
  assert.deepEqual(stillOpen(view({ stored: new Map([...stored, [R2, { httpStatus: 200, voucherCode: null }]]) })).notTold, []);
});

test('a busy VPS (calls held, callbacks owed) keeps the drain open even when every request looks final', () => {
  assert.equal(stillOpen(view({ vpsBusy: true })).vpsBusy, true);
});

test('requests not final, delivered but not stored, and pages without their event are each named', () => {
  const statuses = new Map<string, StatusRecord>([
    [R1, { httpStatus: 200, status: 'DELIVERED' }],
    [R2, { httpStatus: 200, status: 'PROCESSING' }],
  ]);
  const open = stillOpen(view({ statuses, stored: new Map(), pagesNotFinal: new Set([R1]) }));
  assert.deepEqual(open.notFinal, [R2]);
  assert.deepEqual(open.notStored, [R1]);
  assert.deepEqual(open.pagesWaiting, [R1]);
});
