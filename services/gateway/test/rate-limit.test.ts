import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomInt, randomUUID } from 'node:crypto';
import { startGateway, type RunningGateway } from '../src/service.ts';
import { bearer, signIn, signInConfig } from './support/auth-helpers.ts';
import { logger, randomPhone, testClock, testConfig, toE164 } from './support/gateway-harness.ts';
import { startSmsReceiver } from './support/sms-receiver.ts';

const MINUTE = 60_000;

/** A cheap rate-limited request: an unknown request's status (404 once past the limit and sign-in). */
const status = async (gateway: RunningGateway, headers: Record<string, string> = {}) => {
  const response = await fetch(`${gateway.url}/voucher/requests/${randomUUID()}`, { headers });
  await response.arrayBuffer();
  return response;
};

test('replicas share one allowance: past RATE_LIMIT_PER_MINUTE on either, 429 problem with Retry-After', async () => {
  const clock = testClock();
  const config = testConfig({ RATE_LIMIT_PER_MINUTE: '3' });
  const replicas = [await startGateway(config, logger, { clock: clock.now }), await startGateway(config, logger, { clock: clock.now })];
  try {
    const statuses = [];
    for (const replica of [0, 1, 0, 1]) statuses.push((await status(replicas[replica]!)).status);
    assert.deepEqual(statuses, [404, 404, 404, 429], 'the fourth request of the minute, on the second replica');
    const limited = await status(replicas[0]!);
    assert.equal(limited.status, 429);
    assert.match(limited.headers.get('content-type') ?? '', /^application\/problem\+json/);
    const retryAfter = Number(limited.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
    clock.advance(MINUTE);
    assert.equal((await status(replicas[1]!)).status, 404, 'a new minute');
  } finally {
    for (const replica of replicas) await replica.close();
  }
});

test('signed-in customers each have their own allowance, even behind one address; a bad token counts against the address', async () => {
  const sms = await startSmsReceiver();
  const clock = testClock();
  const gateway = await startGateway(signInConfig(sms.url, { RATE_LIMIT_PER_MINUTE: '5' }), logger, { clock: clock.now });
  try {
    // Signing in is two requests from 127.0.0.1 each: 4 of the address's 5.
    const [alice, bob] = [randomPhone(), randomPhone()];
    const aliceToken = await signIn(gateway, sms, alice, toE164(alice));
    const bobToken = await signIn(gateway, sms, bob, toE164(bob));
    const aliceStatuses = [];
    for (let i = 0; i < 6; i++) aliceStatuses.push((await status(gateway, bearer(aliceToken))).status);
    assert.deepEqual(aliceStatuses, [404, 404, 404, 404, 404, 429]);
    assert.equal((await status(gateway, bearer(bobToken))).status, 404, 'Bob is not held back by Alice');
    const forged = { authorization: 'Bearer not-a-token' };
    assert.deepEqual([(await status(gateway, forged)).status, (await status(gateway, forged)).status], [401, 429]);
  } finally {
    await gateway.close();
    await sms.close();
  }
});

test('behind a trusted proxy (TRUST_PROXY) the client is its forwarded address, an IPv6 one by its /64; otherwise the socket', async () => {
  const clock = testClock();
  const trusting = await startGateway(testConfig({ RATE_LIMIT_PER_MINUTE: '2', TRUST_PROXY: '127.0.0.1/8' }), logger, { clock: clock.now });
  const direct = await startGateway(testConfig({ RATE_LIMIT_PER_MINUTE: '2' }), logger, { clock: clock.now });
  try {
    const slash64 = `2001:db8:${randomInt(0, 0xffff).toString(16)}:${randomInt(0, 0xffff).toString(16)}`;
    const from = (address: string) => ({ 'x-forwarded-for': address });
    const trusted = [];
    for (const address of [`${slash64}::1`, `${slash64}:1:2:3:4`, `${slash64}:ffff:ffff:ffff:ffff`]) {
      trusted.push((await status(trusting, from(address))).status);
    }
    assert.deepEqual(trusted, [404, 404, 429], 'one /64, one allowance');
    assert.equal((await status(trusting, from(`2001:db8:ffff:${randomInt(0, 0xffff).toString(16)}::1`))).status, 404, 'another /64');

    const ignored = [];
    for (let i = 0; i < 3; i++) ignored.push((await status(direct, from(`203.0.113.${i + 1}`))).status);
    assert.deepEqual(ignored, [404, 404, 429], 'without TRUST_PROXY, X-Forwarded-For is not believed');
  } finally {
    await trusting.close();
    await direct.close();
  }
});

test('TRUST_PROXY takes true, false, or addresses and CIDR ranges; nothing else', async () => {
  const { readConfig } = await import('../src/config.ts');
  const env = {
    DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/voucher',
    AUTH_REQUIRED: 'false',
    VOUCHER_SERVICE_TOKEN: 'gateway-test-voucher-service-token-0123456789',
  };
  assert.equal(readConfig(env).TRUST_PROXY, false);
  assert.equal(readConfig({ ...env, TRUST_PROXY: 'true' }).TRUST_PROXY, true);
  assert.equal(readConfig({ ...env, TRUST_PROXY: '10.0.0.0/8, loopback,2001:db8::1' }).TRUST_PROXY, '10.0.0.0/8,loopback,2001:db8::1');
  assert.throws(() => readConfig({ ...env, TRUST_PROXY: '2' }), /TRUST_PROXY must be true, false or a comma list/);
  assert.throws(() => readConfig({ ...env, TRUST_PROXY: 'proxy.example' }), /TRUST_PROXY/);
});
