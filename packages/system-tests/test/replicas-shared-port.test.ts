import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { get } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { openPage } from '@voucher/platform/testing';
import { call, startStack, type Stack, type StackReplica } from '../src/index.ts';
import { metricSum } from '../src/metrics.ts';

/**
 * `npm start -- --replicas 2` as the tests run it: two processes of each bank service on one public port each
 * (LISTEN_REUSE_PORT, SO_REUSEPORT), each with its own operations port.
 */
const BASE = 18080;
const url = (port: number) => `http://127.0.0.1:${port}`;
const randomMobile = () => `090${String(randomInt(1_000_000, 9_999_999))}`;

/** GET /healthz on a connection of its own (no keep-alive), so that the kernel picks a listener for each. */
const healthOnNewConnection = (base: string) =>
  new Promise<number>((resolve, reject) => {
    get(`${base}/healthz`, { agent: false }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    }).on('error', reject);
  });

const healthzServed = (replica: StackReplica) => metricSum(replica.adminUrl, 'http_request_duration_seconds_count', /route="\/healthz"/);

describe('two processes of each bank service on one shared port', () => {
  let stack: Stack;
  const buyAndWatch = async () => {
    const phone = randomMobile();
    const answer = await call('POST', `${stack.urls.gateway}/voucher?phoneNumber=${phone}`);
    assert.equal(answer.status, 202, answer.text);
    const page = openPage(`${stack.urls.gateway}/voucher/requests/${answer.body.requestId as string}/events`);
    await page.ended;
    return page.events;
  };

  before(async () => {
    stack = await startStack(
      {
        GATEWAY_PORT: String(BASE),
        VPS_PORT: String(BASE + 1),
        INTEGRATION_PORT: String(BASE + 2),
        VOUCHER_PORT: String(BASE + 3),
        SMS_PORT: String(BASE + 4),
        VPS_URL: url(BASE + 1),
        INTEGRATION_PUBLIC_URL: url(BASE + 2),
        VOUCHER_SERVICE_URL: url(BASE + 3),
        SMS_URL: url(BASE + 4),
        AUTH_REQUIRED: 'false',
        VPS_ACK_AFTER_MS: '300',
        WEB_DEADLINE_MS: '20000',
        VPS_TRAFFIC: 'low',
        VPS_LATENCY_MAX_MS: '100',
      },
      { replicas: 2 },
    );
  });
  after(async () => stack?.stop());

  test('both processes of each bank service answer on its one port; each has an operations port of its own', async () => {
    const services = [
      { url: stack.urls.gateway, replicas: stack.replicas.gateway },
      { url: stack.urls.integration, replicas: stack.replicas.integration },
      { url: stack.urls.voucher, replicas: stack.replicas.voucher },
    ];
    for (const service of services) {
      assert.equal(service.replicas.length, 2);
      assert.notEqual(service.replicas[0]!.adminUrl, service.replicas[1]!.adminUrl);
      const before = await Promise.all(service.replicas.map(healthzServed));
      // New connections are spread by a hash of their addresses: 64 all on one of two processes is a 2^-63 chance.
      for (let i = 0; i < 64; i++) assert.equal(await healthOnNewConnection(service.url), 200);
      const after = await Promise.all(service.replicas.map(healthzServed));
      assert.ok(
        after.every((count, i) => count > before[i]!),
        `${service.url}: each process served some (${String(before)} -> ${String(after)})`,
      );
    }
  });

  test('a replica of each bank service SIGKILLed: purchases on the shared ports still get their codes on the page', async () => {
    assert.equal((await buyAndWatch())[0]?.event, 'voucher', 'before the kill');
    const victims = [stack.replicas.gateway[1]!, stack.replicas.integration[0]!, stack.replicas.voucher[1]!];
    for (const victim of victims) victim.process.child.kill('SIGKILL');
    await Promise.all(victims.map((victim) => victim.process.exited));
    // The survivors take every connection at once, and the dead consumers' partitions once their sessions expire.
    const outcomes = await Promise.all(Array.from({ length: 6 }, buyAndWatch));
    for (const events of outcomes) assert.equal(events[0]?.event, 'voucher', JSON.stringify(events));
    for (const base of [stack.urls.gateway, stack.urls.integration, stack.urls.voucher]) {
      for (let i = 0; i < 16; i++) assert.equal(await healthOnNewConnection(base), 200, `${base}: no connection reaches the dead process`);
    }
  });
});
