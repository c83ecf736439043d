import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
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

test('with the broker down the request is refused with 503 and Retry-After; the key keeps its one request for the retries', async () => {
  const config = testConfig({ KAFKA_BROKERS: '127.0.0.1:1', PRODUCE_TIMEOUT_MS: '800' });
  const db = await openTestDatabase(config);
  const gateway = await startGateway(config, logger);
  try {
    assert.equal((await fetch(`${gateway.url}/readyz`)).status, 503, 'not ready without Kafka');
    const phone = randomPhone();
    const key = `key-${randomUUID()}`;
    const headers = { 'idempotency-key': key };
    const { response, body } = await postVoucher(gateway, `?phoneNumber=${phone}`, { headers });
    assert.equal(response.status, 503);
    assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/);
    assert.ok(Number(response.headers.get('retry-after')) > 0);
    assert.match(String(body.detail), /retry with the same Idempotency-Key/);
    const kept = await db.query<{ request_id: string; state: string }>(
      'SELECT request_id, state FROM voucher_requests WHERE phone_number = $1',
      [toE164(phone)],
    );
    assert.equal(kept.length, 1, 'the request is kept: the record may still have reached the broker');
    assert.equal(kept[0]!.state, 'UNCONFIRMED');
    const [retry, concurrent] = await Promise.all([
      postVoucher(gateway, `?phoneNumber=${phone}`, { headers }),
      postVoucher(gateway, `?phoneNumber=${phone}`, { headers }),
    ]);
    assert.deepEqual([retry.response.status, concurrent.response.status], [503, 503], 'still not acknowledged, and never a 409');
    const rows = await db.query('SELECT 1 FROM voucher_requests WHERE phone_number = $1', [toE164(phone)]);
    assert.equal(rows.length, 1, 'one key, one request, however often it is retried');
  } finally {
    await gateway.close();
    await db.close();
  }
});
