import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Topics } from '@voucher/contracts';
import { namespaced } from '@voucher/platform/kafka';
import { collectTopic, startPrivateBroker, waitFor, type PrivateBroker } from '@voucher/platform/testing';
import type { RunningGateway } from '../src/service.ts';
import { postVoucher, randomPhone, startReadyGateway, testConfig } from './support/gateway-harness.ts';

/**
 * The broker freezes (SIGSTOP) while a customer buys: the POST is told to retry (503) although its record may reach
 * the broker once it thaws. The page's retry with the same key must get the same request, so the VPS is asked for one
 * code, not two.
 */
let broker: PrivateBroker;
let gateway: RunningGateway;
let config: ReturnType<typeof testConfig>;
const signal = (name: NodeJS.Signals) => process.kill(Number(readFileSync(join(broker.home, 'broker.pid'), 'utf8')), name);

before(async () => {
  broker = await startPrivateBroker();
  config = testConfig({ KAFKA_BROKERS: broker.brokers.join(','), PRODUCE_TIMEOUT_MS: '1000' });
  gateway = await startReadyGateway(config);
});
after(async () => {
  signal('SIGCONT');
  await gateway?.close();
  await broker?.stop();
});

test('a publish that timed out against a frozen broker and its retry with the same key are one request', async () => {
  const requests = await collectTopic(namespaced(config.KAFKA_NAMESPACE, Topics.requestCode), broker.brokers);
  try {
    const phone = randomPhone();
    const headers = { 'idempotency-key': `key-${randomUUID()}` };
    signal('SIGSTOP');
    const refused = await postVoucher(gateway, `?phoneNumber=${phone}`, { headers });
    assert.equal(refused.response.status, 503, 'not acknowledged in time: the customer is asked to retry');
    signal('SIGCONT');
    const retried = await waitFor(
      async () => {
        const answer = await postVoucher(gateway, `?phoneNumber=${phone}`, { headers });
        return answer.response.status === 202 ? answer : undefined;
      },
      'the retry to be accepted once the broker is back',
      60_000,
    );
    const requestId = String(retried.body.requestId);
    await waitFor(() => requests.records.some((record) => record.value.includes(requestId)) || undefined, 'the request on request-code');
    const ids = new Set(requests.records.map((record) => (JSON.parse(record.value) as { requestId: string }).requestId));
    assert.deepEqual([...ids], [requestId], 'every request-code record of this purchase names the one requestId');
  } finally {
    await requests.stop();
  }
});
