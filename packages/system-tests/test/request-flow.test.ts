import assert from 'node:assert/strict';
import { execSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { after, afterEach, before, describe, test } from 'node:test';
import { openPage, waitFor } from '@voucher/platform/testing';
import { call, startExtraProcess, startStack, type Stack } from '../src/index.ts';

/**
 * The seed's request flow, steps 0 to 8, with every process running as its own process over HTTP and Kafka.
 * Timings are shrunk: the VPS acknowledges at 300 ms and the customer's web deadline is 5 s (a code called back at
 * 1.2 s must cross Kafka twice and PostgreSQL before it, also on a busy machine).
 */
const ACK_MS = 300;
const DEADLINE_MS = 5_000;
// The seed's words with the deadline the stack keeps (at the default 30 s they read exactly as the seed's).
const PROCESSING_MESSAGE = `Your request is being processed within ${DEADLINE_MS / 1000} seconds`;
/** Runs one of the seed's curl commands exactly as the seed writes it; curl's progress meter (stderr) is dropped. */
const seedCurl = (command: string) => execSync(command, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
const randomMobile = () => `090${String(randomInt(1_000_000, 9_999_999))}`;

describe('voucher request flow, end to end', () => {
  let stack: Stack;
  const traffic = (body: object) => call('PUT', `${stack.urls.vps}/admin/traffic`, body);
  const faults = (body: object) => call('PUT', `${stack.urls.vps}/admin/faults`, body);
  const buy = async (phoneNumber: string) => {
    const answer = await call('POST', `${stack.urls.gateway}/voucher?phoneNumber=${phoneNumber}`);
    assert.equal(answer.status, 202, answer.text);
    return answer.body.requestId as string;
  };
  const storedVoucher = (requestId: string) =>
    waitFor(async () => {
      const answer = await call('GET', `${stack.urls.voucher}/api/vouchers/${requestId}`, undefined, {
        authorization: `Bearer ${stack.env.VOUCHER_SERVICE_TOKEN}`,
      });
      return answer.status === 200 ? answer.body : undefined;
    }, 'voucher-service to store the outcome (step 8)');
  const smsTo = async (phoneNumber: string) =>
    (await call<Array<{ text: string }>>('GET', `${stack.urls.sms}/api/messages?phoneNumber=${phoneNumber}`)).body;
  /** A page waits on the request's event stream until the server ends it; its events, comments left out. */
  const pageEvents = async (requestId: string, gateway = stack.urls.gateway) => {
    const page = openPage(`${gateway}/voucher/requests/${requestId}/events`);
    await page.ended;
    return page.events;
  };
  const statusOf = async (requestId: string) => (await call('GET', `${stack.urls.gateway}/voucher/requests/${requestId}`)).body.status;

  before(async () => {
    stack = await startStack({
      AUTH_REQUIRED: 'false',
      VPS_ACK_AFTER_MS: String(ACK_MS),
      WEB_DEADLINE_MS: String(DEADLINE_MS),
      WEB_HANDOFF_MS: '500',
      VPS_TRAFFIC: 'low',
      VPS_LATENCY_MAX_MS: '100',
      VPS_MAX_ATTEMPTS: '3',
      VPS_RETRY_BASE_MS: '50',
      VPS_REQUEST_TIMEOUT_MS: '2000',
    });
  });
  after(async () => stack?.stop());
  // Every test starts from a quick VPS without faults, whatever the previous one set.
  afterEach(async () => {
    await traffic({ profile: 'low' });
    await faults({ errorRate: 0, timeoutRate: 0, duplicateCallbackRate: 0, forgedCallbackRate: 0, failNext: 0 });
  });

  test("the seed's first curl command: 202 with the seed's message, then the code arrives by SMS when no page waits", async () => {
    const phone = '0909123456';
    const before = (await smsTo(phone)).length;
    const output = seedCurl("curl -X POST 'localhost:8080/voucher?phoneNumber=0909123456'");
    const answer = JSON.parse(output) as { requestId: string; status: string; message: string };
    assert.equal(answer.status, 'PROCESSING');
    assert.equal(answer.message, PROCESSING_MESSAGE);
    const stored = await storedVoucher(answer.requestId);
    assert.equal(stored.phoneNumber, '+84909123456', 'normalised to E.164');
    assert.equal(stored.status, 'SUCCESS');
    await waitFor(async () => ((await smsTo(phone)).length > before ? true : undefined), 'the SMS');
    assert.ok((await smsTo(phone))[0]!.text.includes(stored.voucherCode as string), 'the SMS carries the stored code');
    // The SMS gateway records the text before it answers; the gateway marks the request once that answer is in.
    await waitFor(async () => (await statusOf(answer.requestId)) === 'SENT_BY_SMS', 'SENT_BY_SMS at the gateway');
    // Meant for the web (the VPS answered at once), the code went by SMS since no page took it. The gateway reports each
    // code it texts to voucher-service, which answers the listing: listed as received by SMS once reported.
    assert.equal(stored.channel, 'WEB', 'the outcome was meant for the web');
    await waitFor(async () => {
      const listed = await call<{ vouchers: Array<{ requestId: string; channel: string }> }>(
        'GET',
        `${stack.urls.gateway}/voucher?phoneNumber=${phone}`,
      );
      return listed.body.vouchers.find((voucher) => voucher.requestId === answer.requestId)?.channel === 'SMS';
    }, 'the code listed as received by SMS');
  });

  test("the seed's second curl command: the VPS answers a code at once under low traffic", () => {
    const output = seedCurl(
      `curl -X POST 'localhost:8081/api/request/voucher' -H 'content-type:application/json' -d '{"phoneNumber":"0909123456","callbackUrl":"http://localhost:8082/api/voucher-code/vps/response"}'`,
    );
    const answer = JSON.parse(output) as { status: string; voucherCode: string; message: string };
    assert.equal(answer.status, 'SUCCESS');
    assert.ok(answer.voucherCode.length > 0);
    assert.equal(answer.message, 'Thank you for using our services, your voucher code is ready.');
  });

  test('code at once (4.1): the waiting page receives it on the web stream and it is stored; no SMS', async () => {
    const phone = randomMobile();
    const requestId = await buy(phone);
    const events = await pageEvents(requestId);
    const [event] = events;
    assert.equal(event?.event, 'voucher');
    const delivered = event.data;
    const stored = await storedVoucher(requestId);
    assert.equal(delivered.voucherCode, stored.voucherCode);
    assert.equal(stored.channel, 'WEB');
    assert.equal(await statusOf(requestId), 'DELIVERED');
    assert.deepEqual(await smsTo(phone), []);
  });

  test('acknowledged, then called back before the deadline (4, 4.1, 5.1): delivered on the web stream', async () => {
    await traffic({ latencyMs: 1_200 });
    const phone = randomMobile();
    const requestId = await buy(phone);
    const events = await pageEvents(requestId);
    const event = events.find((e) => e.event === 'voucher');
    assert.ok(event, `expected a voucher event, got ${JSON.stringify(events)}`);
    const stored = await storedVoucher(requestId);
    assert.equal(stored.status, 'SUCCESS');
    assert.equal(stored.channel, 'WEB');
    assert.equal(event.data.voucherCode, stored.voucherCode);
  });

  test('called back after the deadline (4.2, 5.2): LATE_SUCCESS goes by SMS and the page is told so', async () => {
    await traffic({ latencyMs: DEADLINE_MS + 800 });
    const phone = randomMobile();
    const requestId = await buy(phone);
    const events = await pageEvents(requestId);
    assert.deepEqual(
      events.map((e) => e.event),
      ['sms'],
    );
    const stored = await storedVoucher(requestId);
    assert.equal(stored.status, 'LATE_SUCCESS');
    assert.equal(stored.channel, 'SMS');
    const inbox = await waitFor(async () => ((await smsTo(phone)).length ? smsTo(phone) : undefined), 'the SMS');
    assert.equal(inbox.length, 1);
    assert.ok(inbox[0]!.text.includes(stored.voucherCode as string));
    await waitFor(async () => (await statusOf(requestId)) === 'SENT_BY_SMS', 'SENT_BY_SMS at the gateway');
  });

  test('a page that disconnected gets its code by SMS', async () => {
    await traffic({ latencyMs: 1_000 });
    const phone = randomMobile();
    const requestId = await buy(phone);
    const page = openPage(`${stack.urls.gateway}/voucher/requests/${requestId}/events`);
    await page.opened;
    page.close();
    const stored = await storedVoucher(requestId);
    const inbox = await waitFor(async () => ((await smsTo(phone)).length ? smsTo(phone) : undefined), 'the SMS');
    assert.ok(inbox[0]!.text.includes(stored.voucherCode as string));
    await waitFor(async () => (await statusOf(requestId)) === 'SENT_BY_SMS', 'SENT_BY_SMS at the gateway');
  });

  test('forged callbacks are refused: the customer gets exactly the genuine code', async () => {
    await traffic({ latencyMs: 800 });
    await faults({ forgedCallbackRate: 1 });
    const phone = randomMobile();
    const requestId = await buy(phone);
    const events = await pageEvents(requestId);
    const stored = await storedVoucher(requestId);
    assert.equal(events.find((e) => e.event === 'voucher')?.data.voucherCode, stored.voucherCode);
    const stats = (await call('GET', `${stack.urls.vps}/admin/stats`)).body;
    assert.equal(stats.forgedCallbacksAccepted, 0);
    const forged = await call('POST', `${stack.urls.integration}/api/voucher-code/vps/response`, {
      codeVerifier: 'A'.repeat(43),
      status: 'SUCCESS',
      voucherCode: 'FAKE-CODE',
      message: 'Thank you for using our services, your voucher code is ready.',
    });
    assert.ok(forged.status >= 400 && forged.status < 500, `a forged callback gets a 4xx, got ${forged.status}`);
  });

  test('a VPS that errors and then recovers: the code still arrives, once', async () => {
    await faults({ failNext: 2 });
    const phone = randomMobile();
    const requestId = await buy(phone);
    const events = await pageEvents(requestId);
    assert.equal(events[0]?.event, 'voucher');
    assert.equal((await storedVoucher(requestId)).status, 'SUCCESS');
  });

  test('a VPS that never recovers: the request ends FAILED and the page is told', async () => {
    await faults({ failNext: 1_000 });
    const phone = randomMobile();
    const requestId = await buy(phone);
    const events = await pageEvents(requestId);
    assert.equal(events[0]?.event, 'failed');
    assert.equal(await statusOf(requestId), 'FAILED');
  });

  test('bad input at the gateway is refused with a problem and nothing is bought', async () => {
    const answer = await call('POST', `${stack.urls.gateway}/voucher?phoneNumber=12345`);
    assert.equal(answer.status, 400);
    assert.match(answer.headers.get('content-type') ?? '', /application\/problem\+json/);
  });

  test('two gateway replicas: the page waits on one, the code is consumed by whichever replica, and the page gets it', async () => {
    await startExtraProcess(stack, 'gateway', { GATEWAY_PORT: '18080', GATEWAY_REPLICA_ID: 'replica-b' });
    await traffic({ latencyMs: 800 });
    for (const gateway of [stack.urls.gateway, 'http://127.0.0.1:18080']) {
      const phone = randomMobile();
      const answer = await call('POST', `${gateway}/voucher?phoneNumber=${phone}`);
      const requestId = answer.body.requestId as string;
      const page = gateway === stack.urls.gateway ? 'http://127.0.0.1:18080' : stack.urls.gateway;
      const events = await pageEvents(requestId, page);
      assert.equal(events[0]?.event, 'voucher', `page on ${page}`);
      assert.deepEqual(await smsTo(phone), [], 'delivered once, on the web');
    }
  });
});
