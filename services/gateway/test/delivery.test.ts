import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Database } from '@voucher/platform/database';
import { lifeCycle } from '../src/delivery/life-cycle.ts';
import type { RunningGateway } from '../src/service.ts';
import { codeMessage, failedMessage, receiveCodePublisher } from './support/kafka-helpers.ts';
import { openTestDatabase, postVoucher, randomPhone, startReadyGateway, testConfig, toE164, waitFor } from './support/gateway-harness.ts';
import { startSmsReceiver } from './support/sms-receiver.ts';
import { ConsumerGroups, Topics } from '@voucher/contracts';
import { deadLetterTopic, namespaced } from '@voucher/platform/kafka';
import { collectTopic, metricValue, openPage, waitForConsumed } from '@voucher/platform/testing';
import type { Config } from '../src/config.ts';

/** Long enough for a test to open a page within it on a busy machine; each wait for a hand-off costs this much. */
const HANDOFF_MS = 1_000;

describe('delivery of receive-code outcomes', () => {
  let sms: Awaited<ReturnType<typeof startSmsReceiver>>;
  let gateway: RunningGateway;
  let vps: ReturnType<typeof receiveCodePublisher>;
  let deadLetters: Awaited<ReturnType<typeof collectTopic>>;
  let config: Config;
  let db: Database;

  before(async () => {
    sms = await startSmsReceiver();
    config = testConfig({ SMS_URL: sms.url, WEB_HANDOFF_MS: String(HANDOFF_MS) });
    gateway = await startReadyGateway(config);
    db = await openTestDatabase(config);
    vps = receiveCodePublisher(config.KAFKA_NAMESPACE);
    deadLetters = await collectTopic(deadLetterTopic(namespaced(config.KAFKA_NAMESPACE, Topics.receiveCode)));
  });
  after(async () => {
    await deadLetters.stop();
    await vps.close();
    await db.close();
    await gateway.close();
    await sms.close();
  });

  const newRequest = async () => {
    const phone = toE164(randomPhone());
    const { body } = await postVoucher(gateway, `?phoneNumber=${encodeURIComponent(phone)}`);
    return { requestId: String(body.requestId), phone };
  };
  const statusOf = async (requestId: string) =>
    (await (await fetch(`${gateway.url}/voucher/requests/${requestId}`)).json()) as Record<string, unknown>;
  const openPageFor = async (requestId: string) => {
    const page = openPage(`${gateway.url}/voucher/requests/${requestId}/events`);
    await page.opened;
    return page;
  };
  const statusBecomes = (requestId: string, status: string) =>
    waitFor(async () => (await statusOf(requestId)).status === status, `${requestId} to be ${status}`);
  /** Every receive-code message published so far has been handled (the gateway's group committed past it). */
  const consumed = () =>
    waitForConsumed(
      namespaced(config.KAFKA_NAMESPACE, ConsumerGroups.gateway),
      namespaced(config.KAFKA_NAMESPACE, Topics.receiveCode),
      config.KAFKA_TOPIC_PARTITIONS,
    );
  /**
   * Resolves once the hand-off of every WEB code recorded before the call is past: a marker request's WEB code, with
   * no page, is recorded after them, so its hand-off is due after theirs; and a worker pass sends every SMS it hands
   * off before it records any as sent. Once the marker is SENT_BY_SMS, an earlier code that was to go by SMS has gone.
   */
  const handOffsPassed = async () => {
    const marker = await newRequest();
    await vps.publish(codeMessage(marker.requestId, marker.phone));
    await statusBecomes(marker.requestId, 'SENT_BY_SMS');
  };
  const metric = (name: string, labels?: RegExp) => metricValue(gateway.http.adminUrl, name, labels);

  test('a WEB code reaches the waiting page once, and no SMS is sent', async () => {
    const { requestId, phone } = await newRequest();
    assert.deepEqual(
      await statusOf(requestId),
      {
        requestId,
        status: 'PROCESSING',
        message: 'Your request is being processed within 20 seconds',
      },
      "the deadline the gateway keeps (WEB_DEADLINE_MS is 20 s in the test configuration), not the seed's 30 s",
    );
    const page = await openPageFor(requestId);
    const code = codeMessage(requestId, phone);
    await vps.publish(code);
    await page.ended;
    assert.deepEqual(page.events, [
      { event: 'voucher', data: { requestId, status: 'DELIVERED', voucherCode: code.voucherCode, message: code.message } },
    ]);
    assert.deepEqual(await statusOf(requestId), { requestId, status: 'DELIVERED', voucherCode: code.voucherCode, message: code.message });
    await handOffsPassed();
    assert.deepEqual(sms.to(phone), []);
  });

  test('an SMS-channel code goes by one SMS and the page hears `sms`', async () => {
    const { requestId, phone } = await newRequest();
    const page = await openPageFor(requestId);
    const code = codeMessage(requestId, phone, { channel: 'SMS', status: 'LATE_SUCCESS' });
    await vps.publish(code);
    await page.ended;
    assert.deepEqual(page.events, [
      { event: 'sms', data: { requestId, status: 'SENT_BY_SMS', message: 'Your voucher code has been sent to you by SMS.' } },
    ]);
    const [sent, ...more] = sms.to(phone);
    assert.deepEqual(more, []);
    assert.equal(sent!.idempotencyKey, `${requestId}:code`);
    assert.ok(sent!.text.includes(code.voucherCode!), 'the SMS carries the code');
    const status = await statusOf(requestId);
    assert.equal(status.status, 'SENT_BY_SMS');
    assert.equal(status.voucherCode, undefined);
  });

  test('the same receive-code message delivered twice sends one SMS', async () => {
    const { requestId, phone } = await newRequest();
    const code = codeMessage(requestId, phone, { channel: 'SMS' });
    await vps.publish(code);
    await vps.publish(code);
    await consumed();
    // SENT_BY_SMS is final: once there, with both messages handled, nothing can text this request again.
    await statusBecomes(requestId, 'SENT_BY_SMS');
    assert.equal(sms.to(phone).length, 1);
  });

  test('a WEB code with no page waiting goes by SMS after the hand-off time; a page opened later hears `sms` at once', async () => {
    const { requestId, phone } = await newRequest();
    const published = Date.now();
    await vps.publish(codeMessage(requestId, phone));
    await waitFor(() => sms.to(phone)[0], 'the SMS', 10_000);
    assert.ok(Date.now() - published >= HANDOFF_MS, 'the code waited for a page first');
    const late = await openPageFor(requestId);
    await late.ended;
    assert.deepEqual(
      late.events.map((event) => event.event),
      ['sms'],
    );
    assert.equal(sms.to(phone).length, 1);
  });

  test('a page that opens after its WEB code arrived, within the hand-off time, gets the code and no SMS goes out', async () => {
    const { requestId, phone } = await newRequest();
    const code = codeMessage(requestId, phone);
    await vps.publish(code);
    // The customer sees PROCESSING until told: the page opens once the code is recorded, inside the hand-off (read from
    // the row itself: asking the broker for the group's offsets can take longer than the hand-off on a busy machine).
    await waitFor(async () => (await lifeCycle.find(db, requestId))?.state === 'WEB_READY', 'the code recorded for a page');
    const page = await openPageFor(requestId);
    await page.ended;
    assert.deepEqual(
      page.events.map((event) => [event.event, (event.data as { voucherCode?: string }).voucherCode]),
      [['voucher', code.voucherCode]],
    );
    await handOffsPassed();
    assert.deepEqual(sms.to(phone), [], 'the hand-off found the page had taken it');
  });

  test('a page that disconnected before its code arrived gets it by SMS instead', async () => {
    const { requestId, phone } = await newRequest();
    const streamsBefore = await metric('gateway_sse_streams_open');
    const page = await openPageFor(requestId);
    await waitFor(async () => (await metric('gateway_sse_streams_open')) === streamsBefore + 1, 'the page to be registered');
    page.close();
    await waitFor(async () => (await metric('gateway_sse_streams_open')) === streamsBefore, 'the gateway to see the page go');
    await vps.publish(codeMessage(requestId, phone));
    await waitFor(() => sms.to(phone)[0], 'the SMS', 10_000);
    await statusBecomes(requestId, 'SENT_BY_SMS'); // recorded once the SMS gateway has taken it
  });

  test('FAILED with a page waiting: the page hears `failed` and no SMS is sent', async () => {
    const { requestId, phone } = await newRequest();
    const page = await openPageFor(requestId);
    const failure = failedMessage(requestId, phone);
    await vps.publish(failure);
    await page.ended;
    assert.deepEqual(page.events, [{ event: 'failed', data: { requestId, status: 'FAILED', message: failure.message } }]);
    assert.deepEqual(await statusOf(requestId), { requestId, status: 'FAILED', message: failure.message });
    await handOffsPassed();
    assert.deepEqual(sms.to(phone), []);
  });

  test('FAILED with no page: the customer is told by SMS', async () => {
    const { requestId, phone } = await newRequest();
    const failure = failedMessage(requestId, phone);
    await vps.publish(failure);
    const sent = await waitFor(() => sms.to(phone)[0], 'the failure SMS', 10_000);
    assert.equal(sent.text, failure.message);
    await statusBecomes(requestId, 'FAILED'); // recorded once the SMS gateway has taken it
  });

  const deadLettered = (requestId: string) =>
    waitFor(() => deadLetters.records.find((record) => record.value.includes(requestId)), `${requestId} to be dead-lettered`);

  test('a code for a request this gateway never accepted is refused: nobody is texted a code they did not ask for', async () => {
    const requestId = randomUUID();
    const phone = toE164(randomPhone());
    await vps.publish(codeMessage(requestId, phone, { channel: 'SMS' }));
    const refused = await deadLettered(requestId);
    assert.match(refused.headers['x-dlq-reason'] ?? '', /no request with this requestId/);
    assert.deepEqual(sms.to(phone), []);
    assert.equal((await fetch(`${gateway.url}/voucher/requests/${requestId}`)).status, 404);
  });

  test('when the SMS gateway fails the send is retried until it goes out, once', async () => {
    const { requestId, phone } = await newRequest();
    sms.failNext(2);
    await vps.publish(codeMessage(requestId, phone, { channel: 'SMS' }));
    await waitFor(() => sms.to(phone)[0], 'the SMS after retries', 10_000);
    // SENT_BY_SMS is final: once there, nothing can text this request again.
    await statusBecomes(requestId, 'SENT_BY_SMS');
    assert.equal(sms.to(phone).length, 1);
  });

  test('an SMS-bound code is never shown on a page, even one that opens while the SMS is still being retried', async () => {
    const { requestId, phone } = await newRequest();
    sms.failNext(2);
    await vps.publish(codeMessage(requestId, phone, { channel: 'SMS' }));
    await waitFor(() => sms.failuresLeft < 2, 'the first SMS attempt to fail'); // the code now waits for the retry
    const page = await openPageFor(requestId);
    await page.ended;
    assert.deepEqual(
      page.events.map((event) => event.event),
      ['sms'],
    );
    assert.equal(sms.to(phone).length, 1);
  });

  test('a code naming another phone number than the request is never delivered', async () => {
    const { requestId, phone } = await newRequest();
    const stranger = toE164(randomPhone());
    await vps.publish(codeMessage(requestId, stranger, { channel: 'SMS' }));
    const refused = await deadLettered(requestId);
    assert.match(refused.headers['x-dlq-reason'] ?? '', /phoneNumber does not match/);
    assert.deepEqual(sms.to(stranger), []);
    assert.deepEqual(sms.to(phone), []);
    assert.equal((await statusOf(requestId)).status, 'PROCESSING');
  });

  test('a code the VPS handed out twice reaches only the customer it was issued to first', async () => {
    const first = await newRequest();
    const second = await newRequest();
    const code = codeMessage(first.requestId, first.phone, { channel: 'SMS' });
    await vps.publish(code);
    await waitFor(() => sms.to(first.phone)[0], 'the SMS to the first customer');
    await vps.publish({ ...code, requestId: second.requestId, phoneNumber: second.phone });
    const refused = await deadLettered(second.requestId);
    assert.match(refused.headers['x-dlq-reason'] ?? '', /rejected/);
    assert.deepEqual(sms.to(second.phone), [], 'the second customer is never texted a code that is not theirs');
    assert.equal((await statusOf(second.requestId)).status, 'PROCESSING', 'still waiting for a code of its own');
  });

  test('a waiting page gets keep-alive comments, and open streams and deliveries show in /metrics', async () => {
    const webCodes = () => metric('gateway_deliveries_total', /channel="WEB".*outcome="code"/);
    const smsCodes = () => metric('gateway_deliveries_total', /channel="SMS".*outcome="code"/);
    const before = { streams: await metric('gateway_sse_streams_open'), web: await webCodes(), sms: await smsCodes() };
    const { requestId, phone } = await newRequest();
    const page = await openPageFor(requestId);
    await waitFor(() => page.comments >= 3 || undefined, 'keep-alive comments', 5_000);
    assert.equal(await metric('gateway_sse_streams_open'), before.streams + 1);
    await vps.publish(codeMessage(requestId, phone));
    await page.ended;
    assert.equal(await webCodes(), before.web + 1, 'the code shown on the page');
    const texted = await newRequest();
    await vps.publish(codeMessage(texted.requestId, texted.phone, { channel: 'SMS' }));
    await statusBecomes(texted.requestId, 'SENT_BY_SMS');
    assert.equal(await smsCodes(), before.sms + 1, 'the code texted');
  });
});
