import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunningGateway } from '../src/service.ts';
import { codeMessage, receiveCodePublisher } from './support/kafka-helpers.ts';
import { postVoucher, randomPhone, startReadyGateway, testConfig, toE164, waitFor } from './support/gateway-harness.ts';
import { startSmsReceiver } from './support/sms-receiver.ts';
import { openPage } from '@voucher/platform/testing';
import type { ReceiveCodeMessage } from '@voucher/contracts';

const HANDOFF_MS = 500;

/**
 * Two replicas in one consumer group over one database, each with its own pool, HTTP server, Kafka consumer and
 * stream registry, so a code consumed by one replica must reach a page held by the other.
 */
describe('two gateway replicas', () => {
  let sms: Awaited<ReturnType<typeof startSmsReceiver>>;
  let replicas: RunningGateway[];
  let vps: ReturnType<typeof receiveCodePublisher>;

  before(async () => {
    sms = await startSmsReceiver();
    const config = testConfig({ SMS_URL: sms.url, WEB_HANDOFF_MS: String(HANDOFF_MS), KAFKA_TOPIC_PARTITIONS: '4' });
    replicas = [];
    for (const id of ['a', 'b']) replicas.push(await startReadyGateway({ ...config, GATEWAY_REPLICA_ID: id }));
    vps = receiveCodePublisher(config.KAFKA_NAMESPACE);
  });
  after(async () => {
    await vps.close();
    for (const replica of replicas) await replica.close();
    await sms.close();
  });

  /** Waits until the request is in `status`; SENT_BY_SMS is final: nothing texts such a request again. */
  const statusBecomes = (requestId: string, status: string) =>
    waitFor(async () => {
      const response = await fetch(`${replicas[0]!.url}/voucher/requests/${requestId}`);
      return ((await response.json()) as { status?: string }).status === status;
    }, `${requestId} to be ${status}`);

  test('a page on either replica gets its WEB code, whichever replica consumed it, exactly once', async () => {
    const customers: Array<{ requestId: string; phone: string; page: ReturnType<typeof openPage>; code: ReceiveCodeMessage }> = [];
    for (let i = 0; i < 12; i++) {
      const replica = replicas[i % 2]!;
      const phone = toE164(randomPhone());
      const { body } = await postVoucher(replica, `?phoneNumber=${encodeURIComponent(phone)}`);
      const requestId = String(body.requestId);
      const page = openPage(`${replica.url}/voucher/requests/${requestId}/events`);
      await page.opened;
      customers.push({ requestId, phone, page, code: codeMessage(requestId, phone) });
    }
    await Promise.all(customers.map((customer) => vps.publish(customer.code)));
    await Promise.all(customers.map((customer) => customer.page.ended));
    for (const { requestId, page, code } of customers) {
      assert.deepEqual(page.events, [
        { event: 'voucher', data: { requestId, status: 'DELIVERED', voucherCode: code.voucherCode, message: code.message } },
      ]);
    }
    // A marker code with no page, recorded after theirs, is handed off after theirs would have been: once it is
    // texted, a hand-off of theirs would have been too.
    const marker = { requestId: '', phone: toE164(randomPhone()) };
    marker.requestId = String((await postVoucher(replicas[0]!, `?phoneNumber=${encodeURIComponent(marker.phone)}`)).body.requestId);
    await vps.publish(codeMessage(marker.requestId, marker.phone));
    await statusBecomes(marker.requestId, 'SENT_BY_SMS');
    const customerTexts = sms.received.filter((text) => customers.some((customer) => customer.phone === text.to));
    assert.deepEqual(customerTexts, [], 'no code also went by SMS');
  });

  test('a WEB code with no page on any replica goes by exactly one SMS', async () => {
    const phones = Array.from({ length: 6 }, () => toE164(randomPhone()));
    const requests = [];
    for (const [i, phone] of phones.entries()) {
      const { body } = await postVoucher(replicas[i % 2]!, `?phoneNumber=${encodeURIComponent(phone)}`);
      requests.push({ requestId: String(body.requestId), phone });
    }
    await Promise.all(requests.map(({ requestId, phone }) => vps.publish(codeMessage(requestId, phone))));
    await waitFor(() => phones.every((phone) => sms.to(phone).length > 0) || undefined, 'every SMS', 15_000);
    for (const { requestId } of requests) await statusBecomes(requestId, 'SENT_BY_SMS');
    for (const phone of phones) assert.equal(sms.to(phone).length, 1, phone);
  });
});
