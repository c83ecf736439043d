import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { metricValue } from '@voucher/platform/testing';
import { failedReceiveCode, randomCode, randomPhone, receiveCode, waitFor } from './support/fixtures.ts';
import { startHarness, type Harness } from './support/harness.ts';

describe('voucher-service consuming receive-code', () => {
  let harness: Harness;
  before(async () => (harness = await startHarness()));
  after(() => harness.close());

  const stored = (requestId: string) =>
    waitFor(async () => {
      const response = await harness.get(`/api/vouchers/${requestId}`);
      return response.status === 200 ? response.body : undefined;
    }, `request ${requestId} to be stored`);
  const countRows = async (requestId: string) =>
    (await harness.service.db.query('SELECT 1 FROM vouchers WHERE request_id = $1', [requestId])).length;

  test('a receive-code message is stored with all its fields', async () => {
    const message = receiveCode({ status: 'LATE_SUCCESS', channel: 'SMS', issuedAt: '2026-01-02T03:04:05.678Z' });
    await harness.publish(message, message.phoneNumber);
    const row = await stored(message.requestId);
    assert.deepEqual({ ...row, storedAt: undefined }, { ...message, storedAt: undefined });
    assert.ok(Date.parse(String(row.storedAt)) > 0);
  });

  test('the same message delivered twice is stored once and counted as a duplicate', async () => {
    const message = receiveCode();
    const duplicatesBefore = await metric('voucher_duplicates_ignored_total');
    await harness.publish(message, message.phoneNumber);
    await stored(message.requestId);
    await harness.publish(message, message.phoneNumber);
    await waitFor(async () => (await metric('voucher_duplicates_ignored_total')) === duplicatesBefore + 1, 'the duplicate');
    assert.equal(await countRows(message.requestId), 1);
  });

  test('a FAILED outcome is stored but never listed', async () => {
    const phone = randomPhone();
    const failed = failedReceiveCode({ phoneNumber: phone.e164 });
    await harness.publish(failed, phone.e164);
    const row = await stored(failed.requestId);
    assert.equal(row.status, 'FAILED');
    assert.equal(row.voucherCode, null);
    const listing = await harness.get(`/api/vouchers?phoneNumber=${encodeURIComponent(phone.e164)}`);
    assert.deepEqual(listing.body, { phoneNumber: phone.e164, vouchers: [], nextCursor: null });
  });

  test('an invalid message goes to receive-code.dlq with the reason, and the next message is still stored', async () => {
    const phone = randomPhone().e164;
    const marker = `not-a-voucher-${Date.now()}`;
    await harness.publishRaw(JSON.stringify({ requestId: marker, phoneNumber: phone }), phone);
    const next = receiveCode({ phoneNumber: phone });
    await harness.publish(next, phone);
    const deadLetter = await harness.deadLetterContaining(marker);
    assert.match(deadLetter.reason, /does not match receive-code/);
    await stored(next.requestId);
  });

  test('a code that already belongs to another request is refused to the DLQ and the first row is unchanged', async () => {
    const code = randomCode();
    const rejectedBefore = await metric('voucher_code_reuse_rejected_total');
    const first = receiveCode({ voucherCode: code });
    await harness.publish(first, first.phoneNumber);
    const original = await stored(first.requestId);
    const thief = receiveCode({ voucherCode: code });
    await harness.publish(thief, thief.phoneNumber);
    const deadLetter = await harness.deadLetterContaining(thief.requestId);
    assert.match(deadLetter.reason, new RegExp(`already belongs to request ${first.requestId}`));
    assert.doesNotMatch(deadLetter.reason, new RegExp(code), 'the reason never carries the code itself');
    assert.equal((await harness.get(`/api/vouchers/${thief.requestId}`)).status, 404);
    assert.deepEqual((await harness.get(`/api/vouchers/${first.requestId}`)).body, original);
    assert.equal(await metric('voucher_code_reuse_rejected_total'), rejectedBefore + 1);
  });

  test('a value PostgreSQL refuses fails alone: it is dead-lettered, and the messages stored beside it are kept', async () => {
    // Year 0000 passes the contract's date-time check but no timestamptz can hold it (SQLSTATE 22008).
    const poison = receiveCode({ issuedAt: '0000-01-01T00:00:00Z' });
    const neighbours = Array.from({ length: 5 }, () => receiveCode());
    await Promise.all([poison, ...neighbours].map((message) => harness.publish(message, message.phoneNumber)));
    for (const message of neighbours) await stored(message.requestId);
    const deadLetter = await harness.deadLetterContaining(poison.requestId);
    assert.match(deadLetter.reason, /rejected/);
    assert.equal(await countRows(poison.requestId), 0);
  });

  test('stored outcomes are counted by status', async () => {
    const counted = async () => ({
      success: await metric('voucher_codes_stored_total', /status="SUCCESS"/),
      failed: await metric('voucher_codes_stored_total', /status="FAILED"/),
    });
    const before = await counted();
    const [success, failed] = [receiveCode(), failedReceiveCode()];
    for (const message of [success, failed]) await harness.publish(message, message.phoneNumber);
    for (const message of [success, failed]) await stored(message.requestId);
    const expected = { success: before.success + 1, failed: before.failed + 1 };
    await waitFor(async () => JSON.stringify(await counted()) === JSON.stringify(expected), `the counts ${JSON.stringify(expected)}`);
  });

  const metric = (name: string, labels?: RegExp) => metricValue(harness.service.http.adminUrl, name, labels);
});
