import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomPhone, receiveCode, waitFor } from './support/fixtures.ts';
import { startHarness, TEST_VOUCHER_SERVICE_TOKEN, type Harness } from './support/harness.ts';

/**
 * voucher-service answers only the gateway (issue 11): its /api routes want the shared VOUCHER_SERVICE_TOKEN as a bearer
 * token, so nobody who reaches its port lists a customer's codes by naming a number.
 */
describe('voucher-service answers only callers with VOUCHER_SERVICE_TOKEN', () => {
  let harness: Harness;
  const phone = randomPhone();
  const message = receiveCode({ phoneNumber: phone.e164 });
  const listing = () => `${harness.service.url}/api/vouchers?${new URLSearchParams({ phoneNumber: phone.e164 })}`;
  const one = () => `${harness.service.url}/api/vouchers/${message.requestId}`;
  const report = (headers: Record<string, string>) =>
    fetch(`${harness.service.url}/api/vouchers/texted`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ texted: [{ requestId: message.requestId, phoneNumber: phone.e164 }] }),
    });

  before(async () => {
    harness = await startHarness();
    await harness.publish(message, phone.e164);
    await waitFor(
      async () =>
        (await harness.service.db.query('SELECT 1 FROM vouchers WHERE request_id = $1', [message.requestId])).length ? true : undefined,
      'the code to be stored',
    );
  });
  after(() => harness.close());

  const refusals: Array<[string, Record<string, string>]> = [
    ['no Authorization header', {}],
    ['a wrong token', { authorization: `Bearer ${'x'.repeat(TEST_VOUCHER_SERVICE_TOKEN.length)}` }],
    ['a token one character short', { authorization: `Bearer ${TEST_VOUCHER_SERVICE_TOKEN.slice(0, -1)}` }],
    ['the token without the Bearer scheme', { authorization: TEST_VOUCHER_SERVICE_TOKEN }],
    ['the token under another scheme', { authorization: `Basic ${TEST_VOUCHER_SERVICE_TOKEN}` }],
    ['an empty bearer token', { authorization: 'Bearer ' }],
  ];
  for (const [what, headers] of refusals) {
    test(`${what}: 401 problem+json, and nothing listed`, async () => {
      for (const url of [listing(), one()]) {
        const response = await fetch(url, { headers });
        assert.equal(response.status, 401, url);
        assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/);
        assert.equal(response.headers.get('www-authenticate'), 'Bearer');
        const text = await response.text();
        assert.doesNotMatch(text, new RegExp(message.voucherCode!), 'no code');
        assert.doesNotMatch(text, new RegExp(phone.e164.slice(1)), 'no number');
        assert.equal((JSON.parse(text) as { status: number }).status, 401);
      }
      assert.equal((await report(headers)).status, 401, 'nor is a report of texted codes taken');
    });
  }

  test('the right token lists the customer’s codes', async () => {
    const headers = { authorization: `Bearer ${TEST_VOUCHER_SERVICE_TOKEN}` };
    const page = (await (await fetch(listing(), { headers })).json()) as { vouchers: Array<{ voucherCode: string; channel: string }> };
    assert.deepEqual(
      page.vouchers.map((voucher) => [voucher.voucherCode, voucher.channel]),
      [[message.voucherCode, 'WEB']],
      'listed, and as meant for the web: no refused report marked it texted',
    );
    assert.equal((await fetch(one(), { headers })).status, 200);
  });

  test('/healthz and the bare /readyz stay open (probes carry no token)', async () => {
    assert.equal((await fetch(`${harness.service.url}/healthz`)).status, 200);
    assert.equal((await fetch(`${harness.service.url}/readyz`)).status, 200);
  });
});

test('during a rotation both the new token and VOUCHER_SERVICE_TOKEN_PREVIOUS are accepted, nothing else', async () => {
  const rotated = 'rotated-voucher-service-token-0123456789abcdef';
  const harness = await startHarness({ VOUCHER_SERVICE_TOKEN: rotated, VOUCHER_SERVICE_TOKEN_PREVIOUS: TEST_VOUCHER_SERVICE_TOKEN });
  try {
    const url = `${harness.service.url}/api/vouchers?phoneNumber=${encodeURIComponent(randomPhone().e164)}`;
    const status = async (token: string) => (await fetch(url, { headers: { authorization: `Bearer ${token}` } })).status;
    assert.equal(await status(rotated), 200);
    assert.equal(await status(TEST_VOUCHER_SERVICE_TOKEN), 200);
    assert.equal(await status(`${rotated}x`), 401);
  } finally {
    await harness.close();
  }
});
