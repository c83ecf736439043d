import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_TEXTED_PER_REPORT, type ReceiveCodeMessage } from '@voucher/contracts';
import { syntheticPhoneNumbers, seedVouchers } from '../src/tools/seed-vouchers.ts';
import { failedReceiveCode, randomPhone, receiveCode, waitFor } from './support/fixtures.ts';
import { startHarness, TEST_VOUCHER_SERVICE_TOKEN, type Harness } from './support/harness.ts';

interface Page {
  phoneNumber: string;
  vouchers: Array<{ requestId: string; voucherCode: string; status: string; channel: string; issuedAt: string }>;
  nextCursor: string | null;
}

describe('voucher-service listing a customer’s codes', () => {
  let harness: Harness;
  const phone = randomPhone();
  const messages = Array.from({ length: 25 }, (_, index) =>
    // Pairs of rows share an issuedAt, so the request id has to break the tie for pagination to stay exact.
    receiveCode({ phoneNumber: phone.e164, issuedAt: new Date(Date.UTC(2026, 0, 1, 0, Math.floor(index / 2))).toISOString() }),
  );
  const newestFirst = [...messages].sort((a, b) => b.issuedAt.localeCompare(a.issuedAt) || b.requestId.localeCompare(a.requestId));

  before(async () => {
    harness = await startHarness();
    for (const message of [...messages, failedReceiveCode({ phoneNumber: phone.e164 })]) await harness.publish(message, phone.e164);
    await waitFor(async () => {
      const [row] = await harness.service.db.query<{ count: number }>(
        'SELECT count(*)::int AS count FROM vouchers WHERE phone_number = $1',
        [phone.e164],
      );
      return row?.count === messages.length + 1 ? true : undefined;
    }, 'all 26 outcomes to be stored');
  });
  after(() => harness.close());

  const list = async (query: Record<string, string>) => {
    const response = await harness.get(`/api/vouchers?${new URLSearchParams(query)}`);
    return { status: response.status, body: response.body as unknown as Page & { detail?: string } };
  };

  test('25 codes in pages of 10 come newest first in 3 pages, without duplicates or gaps', async () => {
    const pages: Page[] = [];
    let cursor: string | null = null;
    do {
      const response = await list({ phoneNumber: phone.e164, limit: '10', ...(cursor ? { cursor } : {}) });
      assert.equal(response.status, 200);
      pages.push(response.body);
      cursor = response.body.nextCursor;
    } while (cursor);
    assert.deepEqual(
      pages.map((page) => page.vouchers.length),
      [10, 10, 5],
    );
    const expected = newestFirst.map(({ requestId, voucherCode, status, channel, issuedAt }) => ({
      requestId,
      voucherCode,
      status,
      channel,
      issuedAt,
    }));
    assert.deepEqual(
      pages.flatMap((page) => page.vouchers),
      expected,
    );
  });

  test('the default page size is 20 and limit must be 1 to 100', async () => {
    const page = await list({ phoneNumber: phone.e164 });
    assert.equal(page.body.vouchers.length, 20);
    assert.equal(typeof page.body.nextCursor, 'string');
    for (const limit of ['0', '101', 'ten']) assert.equal((await list({ phoneNumber: phone.e164, limit })).status, 400, limit);
  });

  test('national and E.164 forms give the same list', async () => {
    const byE164 = await list({ phoneNumber: phone.e164, limit: '100' });
    const byNational = await list({ phoneNumber: phone.national, limit: '100' });
    assert.equal(byNational.status, 200);
    assert.deepEqual(byNational.body, byE164.body);
    assert.equal(byNational.body.phoneNumber, phone.e164);
    assert.equal(byNational.body.vouchers.length, 25, 'the FAILED outcome is not listed');
  });

  test('a tampered or malformed cursor is refused with 400', async () => {
    const { nextCursor } = (await list({ phoneNumber: phone.e164, limit: '10' })).body;
    const [payload, signature] = nextCursor!.split('.');
    const edited = Buffer.from(
      Buffer.from(payload!, 'base64url')
        .toString()
        .replace(/\d{3}Z/, '999Z'),
    ).toString('base64url');
    for (const cursor of [`${edited}.${signature}`, 'garbage', `${payload}.${signature}x`]) {
      const response = await list({ phoneNumber: phone.e164, cursor });
      assert.equal(response.status, 400, cursor);
      assert.match(String(response.body.detail), /cursor/);
    }
  });

  test('a cursor issued for another phone number is refused with 400', async () => {
    const { nextCursor } = (await list({ phoneNumber: phone.e164, limit: '10' })).body;
    const response = await list({ phoneNumber: randomPhone().e164, cursor: nextCursor! });
    assert.equal(response.status, 400);
    assert.equal(response.body.detail, 'cursor was not issued for this listing');
  });

  test('an invalid or missing phone number is refused with a 400 problem', async () => {
    for (const phoneNumber of ['12345', 'not-a-number', '+84281234567' /* a landline */]) {
      const response = await harness.get(`/api/vouchers?phoneNumber=${encodeURIComponent(phoneNumber)}`);
      assert.equal(response.status, 400, phoneNumber);
      assert.equal(response.body.status, 400);
      assert.equal(response.body.title, 'Bad Request');
    }
    assert.equal((await harness.get('/api/vouchers')).status, 400);
  });

  const reportTexted = (body: unknown) =>
    fetch(`${harness.service.url}/api/vouchers/texted`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_VOUCHER_SERVICE_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const channels = async (phoneNumber: string) => (await list({ phoneNumber })).body.vouchers.map((voucher) => voucher.channel);

  test('codes the gateway reports it texted are listed as SMS, whether their outcome was stored before the report or after', async () => {
    const customer = randomPhone();
    const [older, newer] = [0, 1].map((minute) =>
      receiveCode({ phoneNumber: customer.e164, issuedAt: new Date(Date.UTC(2026, 1, 1, 0, minute)).toISOString() }),
    ) as [ReceiveCodeMessage, ReceiveCodeMessage];
    await harness.publish(older, customer.e164);
    await waitFor(async () => (await channels(customer.e164)).length === 1 || undefined, 'the first outcome to be stored');

    const report = { texted: [older, newer].map(({ requestId }) => ({ requestId, phoneNumber: customer.e164 })) };
    assert.equal((await reportTexted(report)).status, 204);
    assert.equal((await reportTexted(report)).status, 204, 'a report made twice is taken twice and changes nothing more');
    assert.deepEqual(await channels(customer.e164), ['SMS'], 'stored before the report');

    await harness.publish(newer, customer.e164);
    await waitFor(async () => (await channels(customer.e164)).length === 2 || undefined, 'the second outcome to be stored');
    assert.deepEqual(await channels(customer.e164), ['SMS', 'SMS'], 'stored after the report');
    const stored = (await harness.get(`/api/vouchers/${newer.requestId}`)).body;
    assert.equal(stored.channel, 'WEB', 'the stored outcome keeps the channel it was meant for');
  });

  test('a report of texted codes that is not one is a 400 problem, and marks nothing', async () => {
    const customer = randomPhone();
    const outcome = receiveCode({ phoneNumber: customer.e164 });
    await harness.publish(outcome, customer.e164);
    await waitFor(async () => (await channels(customer.e164)).length === 1 || undefined, 'the outcome to be stored');
    const entry = { requestId: outcome.requestId, phoneNumber: customer.e164 };
    const bad: Array<[string, unknown]> = [
      ['no list', {}],
      ['an empty list', { texted: [] }],
      ['a request id that is not a UUID', { texted: [entry, { ...entry, requestId: 'not-a-uuid' }] }],
      ['a number not in E.164 form', { texted: [{ ...entry, phoneNumber: customer.national }] }],
      ['a field of its own', { texted: [{ ...entry, channel: 'SMS' }] }],
      ['more codes than a report may carry', { texted: Array.from({ length: MAX_TEXTED_PER_REPORT + 1 }, () => entry) }],
    ];
    for (const [what, body] of bad) {
      const response = await reportTexted(body);
      assert.equal(response.status, 400, what);
      assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/, what);
    }
    assert.deepEqual(await channels(customer.e164), ['WEB']);
  });

  test('an unknown request id is 404 and a malformed one is 400', async () => {
    assert.equal((await harness.get(`/api/vouchers/${crypto.randomUUID()}`)).status, 404);
    assert.equal((await harness.get('/api/vouchers/not-a-uuid')).status, 400);
  });

  test('readiness reports the database', async () => {
    assert.deepEqual((await harness.get('/readyz')).body, { status: 'ready', service: 'voucher-service' });
  });

  test('seeded rows list completely through the cursor, FAILED ones left out', async () => {
    const numbers = syntheticPhoneNumbers(3, 9_000_000 + Math.floor(Math.random() * 900_000));
    await harness.service.db.query('DELETE FROM vouchers WHERE phone_number = ANY($1::text[])', [numbers]);
    await seedVouchers(harness.service.db, { rows: 600, phoneNumbers: numbers, batchSize: 250 });
    const [expected] = await harness.service.db.query<{ count: number }>(
      'SELECT count(*)::int AS count FROM vouchers WHERE phone_number = $1 AND voucher_code IS NOT NULL',
      [numbers[0]],
    );
    const seen = new Set<string>();
    let cursor: string | null = null;
    do {
      const page: Page = (await list({ phoneNumber: numbers[0]!, limit: '100', ...(cursor ? { cursor } : {}) })).body;
      for (const voucher of page.vouchers) seen.add(voucher.requestId);
      cursor = page.nextCursor;
    } while (cursor);
    assert.ok(expected!.count > 150 && expected!.count <= 200, `about 190 listed rows, got ${expected!.count}`);
    assert.equal(seen.size, expected!.count);
  });
});
