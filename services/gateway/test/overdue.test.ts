import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Database } from '@voucher/platform/database';
import { giveUpOnOverdue, OVERDUE_TEXT } from '../src/delivery/overdue-requests.ts';
import { requestStore } from '../src/requests/request-store.ts';
import type { RunningGateway } from '../src/service.ts';
import { codeMessage, receiveCodePublisher } from './support/kafka-helpers.ts';
import {
  logger,
  openTestDatabase,
  postVoucher,
  randomPhone,
  startReadyGateway,
  testConfig,
  toE164,
  waitFor,
} from './support/gateway-harness.ts';
import { startSmsReceiver } from './support/sms-receiver.ts';

describe('a request whose outcome never comes', () => {
  let sms: Awaited<ReturnType<typeof startSmsReceiver>>;
  let gateway: RunningGateway;
  let vps: ReturnType<typeof receiveCodePublisher>;

  before(async () => {
    sms = await startSmsReceiver();
    // A short deadline and grace, scanned often: the give-up happens on its own, and the test waits for its SMS.
    const config = testConfig({ SMS_URL: sms.url, WEB_DEADLINE_MS: '300', OUTCOME_GRACE_MS: '200', OVERDUE_SCAN_INTERVAL_MS: '100' });
    gateway = await startReadyGateway(config);
    vps = receiveCodePublisher(config.KAFKA_NAMESPACE);
  });
  after(async () => {
    await vps.close();
    await gateway.close();
    await sms.close();
  });

  const statusOf = async (requestId: string) =>
    (await (await fetch(`${gateway.url}/voucher/requests/${requestId}`)).json()) as Record<string, unknown>;

  test('ends FAILED with an SMS saying so, and a code that comes later still reaches the customer by SMS', async () => {
    const phone = toE164(randomPhone());
    const { body } = await postVoucher(gateway, `?phoneNumber=${encodeURIComponent(phone)}`);
    const requestId = String(body.requestId);
    const [failure] = await waitFor(() => (sms.to(phone).length > 0 ? sms.to(phone) : undefined), 'the failure SMS');
    assert.equal(failure!.text, OVERDUE_TEXT);
    assert.equal((await statusOf(requestId)).status, 'FAILED');

    const late = codeMessage(requestId, phone, { status: 'LATE_SUCCESS', channel: 'SMS' });
    await vps.publish(late);
    const texts = await waitFor(() => (sms.to(phone).length > 1 ? sms.to(phone) : undefined), 'the SMS with the late code');
    assert.equal(texts.length, 2);
    assert.ok(texts[1]!.text.includes(late.voucherCode!), 'the second SMS carries the code');
    assert.notEqual(texts[1]!.idempotencyKey, texts[0]!.idempotencyKey, 'two different messages, two keys');
    assert.equal((await statusOf(requestId)).status, 'SENT_BY_SMS');
  });
});

describe('giving up is bounded by the grace after the deadline (injected clock)', () => {
  let db: Database;
  before(async () => (db = await openTestDatabase(testConfig())));
  after(() => db.close());

  test('a request is left alone until its deadline plus the grace has passed, then given up once', async () => {
    const deadline = new Date(Date.now() + 60_000);
    const requestId = randomUUID();
    await requestStore.insert(db, { requestId, phoneNumber: toE164(randomPhone()), deadline });
    const told: string[] = [];
    const options = {
      db,
      logger,
      graceMs: 10_000,
      intervalMs: 60_000,
      batchSize: 10_000,
      sendBySms: async (id: string) => void told.push(id),
    };
    await giveUpOnOverdue({ ...options, now: () => new Date(deadline.getTime() + 9_999) });
    assert.ok(!told.includes(requestId), 'within the grace: still waiting');
    assert.equal((await requestStore.find(db, requestId))!.state, 'PROCESSING');
    await giveUpOnOverdue({ ...options, now: () => new Date(deadline.getTime() + 10_001) });
    assert.ok(told.includes(requestId), 'past the grace: the customer is told');
    assert.equal((await requestStore.find(db, requestId))!.state, 'FAILED');
    told.length = 0;
    await giveUpOnOverdue({ ...options, now: () => new Date(deadline.getTime() + 20_000) });
    assert.ok(!told.includes(requestId), 'given up once');
  });
});
