import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { readConfig as readVoucherConfig } from '../../voucher-service/src/config.ts';
import { startVoucherService, type VoucherService } from '../../voucher-service/src/service.ts';
import { VoucherStore } from '../../voucher-service/src/store/voucher-store.ts';
import { metricValue, uniqueNamespace } from '@voucher/platform/testing';
import type { Config } from '../src/config.ts';
import type { RunningGateway } from '../src/service.ts';
import { bearer, signIn, signInConfig } from './support/auth-helpers.ts';
import {
  logger,
  openTestDatabase,
  randomPhone,
  startReadyGateway,
  TEST_VOUCHER_SERVICE_TOKEN,
  testConfig,
  toE164,
  waitFor,
} from './support/gateway-harness.ts';
import { codeMessage } from './support/kafka-helpers.ts';
import { startSmsReceiver } from './support/sms-receiver.ts';

interface Page {
  phoneNumber: string;
  vouchers: Array<{ requestId: string; voucherCode: string; status: string; channel: string; issuedAt: string }>;
  nextCursor: string | null;
}

async function startTestVoucherService(env: Record<string, string> = {}): Promise<{ service: VoucherService }> {
  const config = readVoucherConfig({
    VOUCHER_PORT: '0',
    KAFKA_NAMESPACE: uniqueNamespace(),
    ...(process.env.KAFKA_BROKERS ? { KAFKA_BROKERS: process.env.KAFKA_BROKERS } : {}),
    KAFKA_TOPIC_PARTITIONS: '1',
    DATABASE_URL: process.env.DATABASE_URL ?? '',
    CURSOR_SECRET: 'gateway-test-cursor-secret-0123456789abcdefgh',
    VOUCHER_SERVICE_TOKEN: TEST_VOUCHER_SERVICE_TOKEN,
    LOG_LEVEL: 'silent',
    ...env,
  });
  return { service: await startVoucherService(config, logger) };
}

describe('GET /voucher through the gateway', () => {
  const phone = randomPhone();
  // One minute apart, oldest first: the listing must turn this round.
  const stored = Array.from({ length: 25 }, (_, index) =>
    codeMessage(randomUUID(), toE164(phone), { issuedAt: new Date(Date.UTC(2026, 0, 1, 0, index)).toISOString() }),
  );
  const newestFirst = stored.map((message) => message.requestId).reverse();
  let voucherService: Awaited<ReturnType<typeof startTestVoucherService>>;
  let sms: Awaited<ReturnType<typeof startSmsReceiver>>;
  let gateway: RunningGateway;
  let gatewayConfig: Config;
  let token: string;

  const list = async (query: string, headers = bearer(token)) => {
    const response = await fetch(`${gateway.url}/voucher${query}`, { headers });
    return { response, body: (await response.json()) as Page & { detail?: string } };
  };

  before(async () => {
    voucherService = await startTestVoucherService();
    const store = new VoucherStore(voucherService.service.db);
    for (const message of stored) await store.save(message);
    sms = await startSmsReceiver();
    gatewayConfig = signInConfig(sms.url, { VOUCHER_SERVICE_URL: voucherService.service.url });
    gateway = await startReadyGateway(gatewayConfig);
    token = await signIn(gateway, sms, phone, toE164(phone));
  });
  after(async () => {
    await gateway.close();
    await sms.close();
    await voucherService.service.close();
  });

  test('25 codes come newest first in pages of 10, 10 and 5, without gaps or repeats', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    const sizes: number[] = [];
    do {
      const query: string = `?phoneNumber=${phone}&limit=10${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const { response, body } = await list(query);
      assert.equal(response.status, 200);
      assert.equal(body.phoneNumber, toE164(phone));
      sizes.push(body.vouchers.length);
      seen.push(...body.vouchers.map((voucher) => voucher.requestId));
      cursor = body.nextCursor;
    } while (cursor);
    assert.deepEqual(sizes, [10, 10, 5]);
    assert.deepEqual(seen, newestFirst);
  });

  test('the national and E.164 forms, or no number at all, list the same codes', async () => {
    const national = await list(`?phoneNumber=${phone}`);
    const e164 = await list(`?phoneNumber=${encodeURIComponent(toE164(phone))}`);
    const own = await list('');
    assert.deepEqual(e164.body, national.body);
    assert.deepEqual(own.body, national.body);
    assert.equal(national.body.vouchers.length, 20, 'the default page size');
    const first = national.body.vouchers[0]!;
    const newest = stored.at(-1)!;
    assert.deepEqual(first, {
      requestId: newest.requestId,
      voucherCode: newest.voucherCode,
      status: 'SUCCESS',
      channel: 'WEB',
      issuedAt: newest.issuedAt,
    });
  });

  test('voucher-service answers only the gateway’s token: a gateway with another one gets nothing (503), nobody gets a code', async () => {
    const stranger = await startReadyGateway(
      testConfig({ VOUCHER_SERVICE_URL: voucherService.service.url, VOUCHER_SERVICE_TOKEN: 'not-the-voucher-service-token-0123456789ab' }),
    );
    try {
      const response = await fetch(`${stranger.url}/voucher?phoneNumber=${phone}`);
      assert.equal(response.status, 503);
      assert.doesNotMatch(await response.text(), new RegExp(stored[0]!.voucherCode!));
    } finally {
      await stranger.close();
    }
    const direct = await fetch(`${voucherService.service.url}/api/vouchers?phoneNumber=${encodeURIComponent(toE164(phone))}`);
    assert.equal(direct.status, 401, 'and voucher-service itself refuses a caller without it');
  });

  test('a tampered cursor, a bad limit or a bad number is a 400 problem', async () => {
    const { body } = await list(`?phoneNumber=${phone}&limit=5`);
    const cursor = body.nextCursor!;
    const tampered = `${cursor.slice(0, -2)}${cursor.endsWith('AA') ? 'BB' : 'AA'}`;
    for (const query of [`?cursor=${encodeURIComponent(tampered)}`, '?limit=0', '?phoneNumber=12345']) {
      const answer = await list(query);
      assert.equal(answer.response.status, 400, query);
      assert.match(answer.response.headers.get('content-type') ?? '', /^application\/problem\+json/);
    }
  });

  test('the page is voucher-service’s as it answered it; a code meant for the web that the gateway texted is listed as SMS once reported', async () => {
    const query = `?phoneNumber=${encodeURIComponent(toE164(phone))}`;
    const direct = await fetch(`${voucherService.service.url}/api/vouchers${query}`, { headers: bearer(TEST_VOUCHER_SERVICE_TOKEN) });
    const passed = await fetch(`${gateway.url}/voucher${query}`, { headers: bearer(token) });
    assert.equal(passed.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.equal(await passed.text(), await direct.text());

    const before = await list(query);
    const texted = stored[10]!; // meant for the web, on the first page
    await texts(gatewayConfig, [{ requestId: texted.requestId, phoneNumber: toE164(phone) }]);
    const after = await waitFor(async () => {
      const answer = await list(query);
      return answer.body.vouchers.some((voucher) => voucher.requestId === texted.requestId && voucher.channel === 'SMS') && answer;
    }, 'the texted code listed as SMS');
    assert.equal(before.body.vouchers.find((voucher) => voucher.requestId === texted.requestId)?.channel, 'WEB');
    assert.deepEqual(after.body, {
      ...before.body,
      vouchers: before.body.vouchers.map((voucher) => (voucher.requestId === texted.requestId ? { ...voucher, channel: 'SMS' } : voucher)),
    });
  });
});

/** Writes requests as the delivery worker leaves a code it texted (SENT_BY_SMS). */
async function texts(config: Config, rows: Array<{ requestId: string; phoneNumber: string }>): Promise<void> {
  const db = await openTestDatabase(config);
  try {
    for (const { requestId, phoneNumber } of rows) {
      await db.query(`INSERT INTO voucher_requests (request_id, phone_number, state, deadline) VALUES ($1, $2, 'SENT_BY_SMS', now())`, [
        requestId,
        phoneNumber,
      ]);
    }
  } finally {
    await db.close();
  }
}

test('a texted code reported while voucher-service is down reaches it once voucher-service is back', async () => {
  // voucher-service's port, held by a listener that drops every connection until voucher-service starts on it.
  let dropped = 0;
  const down = createServer((socket) => {
    dropped++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => down.listen(0, '127.0.0.1', resolve));
  const port = (down.address() as AddressInfo).port;
  const config = testConfig({ VOUCHER_SERVICE_URL: `http://127.0.0.1:${port}`, SMS_RETRY_MAX_MS: '300' });
  const gateway = await startReadyGateway(config);
  let voucherService: VoucherService | undefined;
  try {
    const phone = toE164(randomPhone());
    const outcome = codeMessage(randomUUID(), phone);
    await texts(config, [{ requestId: outcome.requestId, phoneNumber: phone }]);
    await waitFor(() => dropped > 0, 'a report to fail');
    // The operator sees the text waiting for its report (this test's gateway has a schema of its own).
    assert.equal(await metricValue(gateway.http.adminUrl, 'gateway_texts_unreported'), 1);
    assert.ok((await metricValue(gateway.http.adminUrl, 'gateway_texts_unreported_oldest_seconds')) >= 0);
    await new Promise<void>((resolve) => down.close(() => resolve()));

    voucherService = (await startTestVoucherService({ VOUCHER_PORT: String(port) })).service;
    await new VoucherStore(voucherService.db).save(outcome);
    const listed = await waitFor(async () => {
      const response = await fetch(`${gateway.url}/voucher?phoneNumber=${encodeURIComponent(phone)}`);
      const page = (await response.json()) as Page;
      return page.vouchers[0]?.channel === 'SMS' && page;
    }, 'the texted code listed as SMS');
    assert.deepEqual(
      listed.vouchers.map((voucher) => [voucher.requestId, voucher.channel]),
      [[outcome.requestId, 'SMS']],
    );
    const db = await openTestDatabase(config);
    try {
      const [row] = await db.query<{ reported: boolean }>(
        'SELECT texted_reported_at IS NOT NULL AS reported FROM voucher_requests WHERE request_id = $1',
        [outcome.requestId],
      );
      assert.equal(row?.reported, true, 'marked reported, so it is not reported again');
    } finally {
      await db.close();
    }
    await waitFor(async () => (await metricValue(gateway.http.adminUrl, 'gateway_texts_unreported')) === 0, 'the gauge to fall to 0');
  } finally {
    await gateway.close();
    await voucherService?.close();
    if (down.listening) down.close(); // the test failed before voucher-service took the port
  }
});

test('GET /voucher answers 503 with Retry-After when voucher-service is unreachable', async () => {
  const gateway = await startReadyGateway(testConfig({ VOUCHER_SERVICE_URL: 'http://127.0.0.1:1', VOUCHER_SERVICE_TIMEOUT_MS: '500' }));
  try {
    const response = await fetch(`${gateway.url}/voucher?phoneNumber=${randomPhone()}`);
    assert.equal(response.status, 503);
    assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/);
    assert.ok(Number(response.headers.get('retry-after')) > 0);
  } finally {
    await gateway.close();
  }
});
