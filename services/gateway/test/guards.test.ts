import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { startGateway } from '../src/service.ts';
import { TEST_AUTH_SECRET } from './support/auth-helpers.ts';
import { logger, openTestDatabase, postVoucher, randomPhone, startReadyGateway, testConfig, toE164 } from './support/gateway-harness.ts';

test('with AUTH_REQUIRED=true every voucher route answers 401 problem without a token', async () => {
  const gateway = await startReadyGateway(testConfig({ AUTH_REQUIRED: 'true', AUTH_SECRET: TEST_AUTH_SECRET }));
  try {
    const post = await postVoucher(gateway, `?phoneNumber=${randomPhone()}`);
    assert.equal(post.response.status, 401);
    assert.match(post.response.headers.get('content-type') ?? '', /^application\/problem\+json/);
    assert.equal(post.body.detail, 'sign-in is required');
    for (const path of [
      `/voucher?phoneNumber=${randomPhone()}`,
      `/voucher/requests/${randomUUID()}`,
      `/voucher/requests/${randomUUID()}/events`,
    ]) {
      assert.equal((await fetch(`${gateway.url}${path}`)).status, 401, path);
    }
    assert.equal((await fetch(`${gateway.url}/healthz`)).status, 200, 'operational routes stay open');
  } finally {
    await gateway.close();
  }
});

test('too many requests from one address get 429 with Retry-After', async () => {
  const gateway = await startReadyGateway(testConfig({ RATE_LIMIT_PER_MINUTE: '3' }));
  try {
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await postVoucher(gateway, `?phoneNumber=${randomPhone()}`)).response);
    assert.deepEqual(
      statuses.map((response) => response.status),
      [202, 202, 202, 429],
    );
    const limited = statuses[3]!;
    assert.match(limited.headers.get('content-type') ?? '', /^application\/problem\+json/);
    const retryAfter = Number(limited.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
  } finally {
    await gateway.close();
  }
});

test('with the broker down the request is refused with 503 and Retry-After, and nothing is kept', async () => {
  const config = testConfig({ KAFKA_BROKERS: '127.0.0.1:1', PRODUCE_TIMEOUT_MS: '800' });
  const db = await openTestDatabase(config);
  const gateway = await startGateway(config, logger);
  try {
    assert.equal((await fetch(`${gateway.url}/readyz`)).status, 503, 'not ready without Kafka');
    const phone = randomPhone();
    const key = `key-${randomUUID()}`;
    const { response, body } = await postVoucher(gateway, `?phoneNumber=${phone}`, { headers: { 'idempotency-key': key } });
    assert.equal(response.status, 503);
    assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/);
    assert.ok(Number(response.headers.get('retry-after')) > 0);
    assert.match(String(body.detail), /nothing was accepted/);
    assert.deepEqual(await db.query('SELECT 1 FROM voucher_requests WHERE phone_number = $1', [toE164(phone)]), []);
    assert.deepEqual(await db.query('SELECT 1 FROM idempotency_keys WHERE key = $1', [key]), []);
    const headers = { 'idempotency-key': key };
    const [retry, duplicate] = await Promise.all([
      postVoucher(gateway, `?phoneNumber=${phone}`, { headers }),
      sleep(200).then(() => postVoucher(gateway, `?phoneNumber=${phone}`, { headers })),
    ]);
    assert.equal(retry.response.status, 503, 'the same key may be retried: the first attempt left nothing behind');
    assert.equal(duplicate.response.status, 409, 'a duplicate sent while the first is still in progress');
  } finally {
    await gateway.close();
    await db.close();
  }
});
