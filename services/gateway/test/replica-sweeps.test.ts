import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { customerTexts } from '../src/customer-texts.ts';
import type { RunningGateway } from '../src/service.ts';
import { postVoucher, randomPhone, startReadyGateway, testConfig, toE164, waitFor } from './support/gateway-harness.ts';
import { startSmsReceiver } from './support/sms-receiver.ts';

/**
 * The overdue sweep runs on every replica, scanning the one table often: a request whose outcome never comes must still
 * be given up once, and its customer texted once, however the two sweeps interleave.
 */
describe('two replicas sweeping overdue requests at once', () => {
  let sms: Awaited<ReturnType<typeof startSmsReceiver>>;
  let replicas: RunningGateway[];

  before(async () => {
    sms = await startSmsReceiver();
    const config = testConfig({ SMS_URL: sms.url, WEB_DEADLINE_MS: '300', OUTCOME_GRACE_MS: '200', OVERDUE_SCAN_INTERVAL_MS: '20' });
    replicas = [];
    for (const id of ['a', 'b']) replicas.push(await startReadyGateway({ ...config, GATEWAY_REPLICA_ID: id }));
  });
  after(async () => {
    for (const replica of replicas) await replica.close();
    await sms.close();
  });

  const buy = async (i: number) => {
    const phone = toE164(randomPhone());
    const { body } = await postVoucher(replicas[i % 2]!, `?phoneNumber=${encodeURIComponent(phone)}`);
    return { phone, requestId: String(body.requestId) };
  };
  const failureTexts = (phone: string) => sms.to(phone).filter((message) => message.text === customerTexts.overdue);

  test('each request whose outcome never comes is given up once, with one SMS, whichever replica swept it', async () => {
    const requests = await Promise.all(Array.from({ length: 12 }, (_, i) => buy(i)));
    await waitFor(() => requests.every(({ phone }) => failureTexts(phone).length > 0) || undefined, 'every failure SMS');
    // A request made after them is given up by later sweeps of both replicas: by its SMS, they have swept many times.
    const marker = await buy(0);
    await waitFor(() => failureTexts(marker.phone).length > 0 || undefined, "the later request's failure SMS");
    for (const { phone, requestId } of requests) {
      assert.equal(failureTexts(phone).length, 1, `one SMS for ${requestId}`);
      for (const replica of replicas) {
        const status = (await (await fetch(`${replica.url}/voucher/requests/${requestId}`)).json()) as { status: string };
        assert.equal(status.status, 'FAILED');
      }
    }
  });
});
