import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Database } from '@voucher/platform/database';
import { customerTexts } from '../src/customer-texts.ts';
import { giveUpOnOverdue } from '../src/delivery/overdue-requests.ts';
import { lifeCycle } from '../src/delivery/life-cycle.ts';
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
    assert.equal(failure!.text, customerTexts.overdue);
    // The SMS gateway has the text before the gateway records that it was accepted: wait for that record.
    await waitFor(async () => (await statusOf(requestId)).status === 'FAILED' || undefined, 'the request to read FAILED');

    const late = codeMessage(requestId, phone, { status: 'LATE_SUCCESS', channel: 'SMS' });
    await vps.publish(late);
    const texts = await waitFor(() => (sms.to(phone).length > 1 ? sms.to(phone) : undefined), 'the SMS with the late code');
    assert.equal(texts.length, 2);
    assert.ok(texts[1]!.text.includes(late.voucherCode!), 'the second SMS carries the code');
    assert.notEqual(texts[1]!.idempotencyKey, texts[0]!.idempotencyKey, 'two different messages, two keys');
    await waitFor(async () => (await statusOf(requestId)).status === 'SENT_BY_SMS' || undefined, 'the request to read SENT_BY_SMS');
  });
});

describe('giving up is bounded by the grace after the deadline (injected clock)', () => {
  let db: Database;
  before(async () => (db = await openTestDatabase(testConfig())));
  after(() => db.close());

  test('a request is left alone until its deadline plus the grace has passed, then given up once; an unconfirmed one is abandoned', async () => {
    // Far in the future, so that no other test's request is old enough to be swept with these.
    const deadline = new Date(Date.now() + 365 * 24 * 3_600_000);
    const [accepted, unconfirmed] = [randomUUID(), randomUUID()];
    await lifeCycle.insert(
      db,
      [accepted, unconfirmed].map((requestId) => ({ requestId, phoneNumber: toE164(randomPhone()), deadline })),
    );
    await lifeCycle.publishUnconfirmed(db, unconfirmed);
    let pokes = 0;
    const options = { db, logger, graceMs: 10_000, intervalMs: 60_000, batchSize: 10_000, pokeWorker: () => void pokes++ };
    await giveUpOnOverdue({ ...options, now: () => new Date(deadline.getTime() + 9_999) });
    assert.equal((await lifeCycle.find(db, accepted))!.state, 'PROCESSING', 'within the grace: still waiting');
    assert.equal(pokes, 0);
    await giveUpOnOverdue({ ...options, now: () => new Date(deadline.getTime() + 10_001) });
    const failed = (await lifeCycle.find(db, accepted))!;
    assert.equal(failed.state, 'SMS_PENDING', 'past the grace: the customer is to be texted');
    assert.equal(failed.message, customerTexts.overdue);
    assert.equal((await lifeCycle.find(db, unconfirmed))!.state, 'ABANDONED', 'told nothing was accepted: nothing more to say');
    assert.equal(pokes, 1, 'the delivery worker is woken');
    await giveUpOnOverdue({ ...options, now: () => new Date(deadline.getTime() + 20_000) });
    assert.equal(pokes, 1, 'given up once');
  });
  test('a code that arrives while the give-up text still waits to go replaces it: the customer is texted the code, not the failure', async () => {
    const deadline = new Date(Date.now() + 366 * 24 * 3_600_000);
    const request = { requestId: randomUUID(), phoneNumber: toE164(randomPhone()), deadline };
    await lifeCycle.insert(db, [request]);
    const options = { db, logger, graceMs: 0, intervalMs: 60_000, batchSize: 10_000, pokeWorker: () => {} };
    await giveUpOnOverdue({ ...options, now: () => new Date(deadline.getTime() + 1) });
    assert.equal((await lifeCycle.find(db, request.requestId))!.message, customerTexts.overdue, 'the failure text is due, not yet sent');
    const late = codeMessage(request.requestId, request.phoneNumber, { status: 'LATE_SUCCESS', channel: 'SMS' });
    const moved = await lifeCycle.recordOutcomes(db, [late], 1_000);
    assert.equal(moved.get(request.requestId), 'SMS_PENDING');
    const row = (await lifeCycle.find(db, request.requestId))!;
    assert.deepEqual([row.state, row.voucherCode, row.message], ['SMS_PENDING', late.voucherCode, late.message], 'the code goes instead');
    // Had the failure text been on its way meanwhile, its record does not count for the code: the code still goes.
    assert.deepEqual(await lifeCycle.smsSent(db, [{ requestId: request.requestId, voucherCode: null }]), []);
    assert.equal((await lifeCycle.find(db, request.requestId))!.state, 'SMS_PENDING');
    const told = await lifeCycle.smsSent(db, [{ requestId: request.requestId, voucherCode: late.voucherCode! }]);
    assert.deepEqual(
      told.map(({ requestId, state }) => ({ requestId, state })),
      [{ requestId: request.requestId, state: 'SENT_BY_SMS' }],
    );
  });
});
