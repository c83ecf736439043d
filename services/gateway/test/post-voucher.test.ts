import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Database } from '@voucher/platform/database';
import { metricValue } from '@voucher/platform/testing';
import type { RunningGateway } from '../src/service.ts';
import { requestCodeReader } from './support/kafka-helpers.ts';
import { openTestDatabase, postVoucher, randomPhone, startReadyGateway, testConfig, toE164, waitFor } from './support/gateway-harness.ts';

const PROCESSING = 'Your request is being processed within 30 seconds';

describe('POST /voucher', () => {
  const config = testConfig({ WEB_DEADLINE_MS: '30000' });
  let db: Database;
  let gateway: RunningGateway;
  let reader: Awaited<ReturnType<typeof requestCodeReader>>;

  before(async () => {
    db = await openTestDatabase(config);
    gateway = await startReadyGateway(config);
    reader = await requestCodeReader(config.KAFKA_NAMESPACE);
  });
  after(async () => {
    await reader.close();
    await gateway.close();
    await db.close();
  });

  const assertAccepted = (response: Response, body: Record<string, unknown>) => {
    assert.equal(response.status, 202);
    assert.equal(body.status, 'PROCESSING');
    assert.equal(body.message, PROCESSING);
    assert.match(String(body.requestId), /^[0-9a-f-]{36}$/);
    assert.equal(response.headers.get('location'), `/voucher/requests/${body.requestId}`);
  };

  test('national and E.164 forms are accepted and produce one request-code message keyed by the E.164 number', async () => {
    const phone = randomPhone();
    for (const form of [phone, toE164(phone)]) {
      const { response, body } = await postVoucher(gateway, `?phoneNumber=${encodeURIComponent(form)}`);
      assertAccepted(response, body);
      const [record] = await waitFor(() => {
        const found = reader.forRequest(String(body.requestId));
        return found.length > 0 ? found : undefined;
      }, 'the request-code message');
      assert.equal(record!.key, toE164(phone));
      assert.equal(record!.message.phoneNumber, toE164(phone));
      const requestedAt = Date.parse(record!.message.requestedAt);
      assert.equal(Date.parse(record!.message.deadline) - requestedAt, 30_000);
    }
  });

  test('an unencoded + in the query string still means E.164', async () => {
    const phone = randomPhone();
    const { response, body } = await postVoucher(gateway, `?phoneNumber=${toE164(phone)}`);
    assertAccepted(response, body);
    const records = await waitFor(() => reader.forRequest(String(body.requestId))[0], 'the request-code message');
    assert.equal(records.key, toE164(phone));
  });

  test('a JSON body works, and the query string wins over it', async () => {
    const phone = randomPhone();
    const json = { method: 'POST', headers: { 'content-type': 'application/json' } };
    const fromBody = await postVoucher(gateway, '', { ...json, body: JSON.stringify({ phoneNumber: phone }) });
    assertAccepted(fromBody.response, fromBody.body);
    const other = randomPhone();
    const both = await postVoucher(gateway, `?phoneNumber=${other}`, { ...json, body: JSON.stringify({ phoneNumber: phone }) });
    assertAccepted(both.response, both.body);
    const record = await waitFor(() => reader.forRequest(String(both.body.requestId))[0], 'the request-code message');
    assert.equal(record.key, toE164(other));
  });

  test('a bad or missing number is a 400 problem and nothing is produced', async () => {
    const before = reader.seen.length;
    for (const query of ['?phoneNumber=123', '?phoneNumber=0281234567', '?phoneNumber=hello', '']) {
      const { response, body } = await postVoucher(gateway, query);
      assert.equal(response.status, 400, query);
      assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/);
      assert.equal(body.status, 400);
      assert.match(String(body.detail), /phoneNumber/);
    }
    await reader.caughtUp(); // a request is produced before it is answered: all these could produce is read by now
    assert.equal(reader.seen.length, before);
  });

  test('an Idempotency-Key retry gets the first answer and never a new request', async () => {
    const phone = randomPhone();
    const headers = { 'idempotency-key': `key-${randomUUID()}` };
    const first = await postVoucher(gateway, `?phoneNumber=${phone}`, { headers });
    const retry = await postVoucher(gateway, `?phoneNumber=${toE164(phone)}`, { headers });
    assertAccepted(retry.response, retry.body);
    assert.equal(retry.body.requestId, first.body.requestId);
    const another = await postVoucher(gateway, `?phoneNumber=${randomPhone()}`, { headers });
    assert.notEqual(another.body.requestId, first.body.requestId, 'a key is scoped to its phone number');
    await reader.caughtUp();
    // Without an outcome yet, the retry published the first request again (consumers are idempotent on requestId).
    const records = reader.seen.filter((entry) => entry.key === toE164(phone));
    assert.deepEqual(
      records.map((entry) => entry.message.requestId),
      [first.body.requestId, first.body.requestId],
    );
  });

  test('the same Idempotency-Key sent twice at once: both answers are 202 with the one requestId (never a 409)', async () => {
    const phone = randomPhone();
    const headers = { 'idempotency-key': `key-${randomUUID()}` };
    const answers = await Promise.all([1, 2, 3].map(() => postVoucher(gateway, `?phoneNumber=${phone}`, { headers })));
    for (const { response, body } of answers) assertAccepted(response, body);
    assert.equal(new Set(answers.map(({ body }) => body.requestId)).size, 1);
    const rows = await db.query('SELECT 1 FROM voucher_requests WHERE phone_number = $1', [toE164(phone)]);
    assert.equal(rows.length, 1);
  });

  test('a burst of keyed purchases, some keys sent twice at once: one request, one row and its record per key', async () => {
    const customers = Array.from({ length: 12 }, () => ({ phone: randomPhone(), key: `key-${randomUUID()}` }));
    const attempts = customers.flatMap((customer, index) => (index % 2 === 0 ? [customer, customer] : [customer]));
    const answers = await Promise.all(
      attempts.map(({ phone, key }) => postVoucher(gateway, `?phoneNumber=${phone}`, { headers: { 'idempotency-key': key } })),
    );
    for (const { response, body } of answers) assertAccepted(response, body);
    const requestIdOf = new Map<string, string>();
    answers.forEach(({ body }, index) => {
      const { key } = attempts[index]!;
      assert.equal(requestIdOf.get(key) ?? body.requestId, body.requestId, 'both attempts with one key get its one request');
      requestIdOf.set(key, String(body.requestId));
    });
    assert.equal(new Set(requestIdOf.values()).size, customers.length, 'each key a request of its own');
    for (const { phone, key } of customers) {
      const rows = await db.query<{ request_id: string }>('SELECT request_id FROM voucher_requests WHERE phone_number = $1', [
        toE164(phone),
      ]);
      assert.deepEqual(
        rows.map((row) => row.request_id),
        [requestIdOf.get(key)],
      );
      await waitFor(() => reader.forRequest(requestIdOf.get(key)!)[0], `the request-code record of ${key}`);
    }
  });

  test('a retry after the first attempt was abandoned mid-way (its process died) publishes that same request', async () => {
    const phone = toE164(randomPhone());
    const key = `key-${randomUUID()}`;
    const requestId = randomUUID();
    await db.query(`INSERT INTO voucher_requests (request_id, phone_number, state, deadline) VALUES ($1, $2, 'PROCESSING', now())`, [
      requestId,
      phone,
    ]);
    await db.query(
      `INSERT INTO idempotency_keys (phone_number, key, request_id, created_at) VALUES ($1, $2, $3, now() - interval '1 hour')`,
      [phone, key, requestId],
    );
    const retry = await postVoucher(gateway, `?phoneNumber=${encodeURIComponent(phone)}`, { headers: { 'idempotency-key': key } });
    assertAccepted(retry.response, retry.body);
    assert.equal(retry.body.requestId, requestId);
    const record = await waitFor(() => reader.forRequest(requestId)[0], 'the republished request-code message');
    assert.equal(record.key, phone);
  });

  test('a malformed Idempotency-Key is a 400 problem', async () => {
    const tooLong = await postVoucher(gateway, `?phoneNumber=${randomPhone()}`, { headers: { 'idempotency-key': 'k'.repeat(129) } });
    assert.equal(tooLong.response.status, 400);
    const notPrintable = await postVoucher(gateway, `?phoneNumber=${randomPhone()}`, { headers: { 'idempotency-key': 'caf\u00e9' } });
    assert.equal(notPrintable.response.status, 400);
  });

  test('the status endpoint answers 400 for a malformed id and 404 for an unknown one', async () => {
    const malformed = await fetch(`${gateway.url}/voucher/requests/not-a-uuid`);
    assert.equal(malformed.status, 400);
    const problem = (await malformed.json()) as Record<string, unknown>;
    assert.equal(problem.detail, 'requestId must be a UUID.', 'a sentence, not a schema path');
    assert.deepEqual(problem.errors, [{ field: 'requestId', in: 'path', message: 'requestId must be a UUID.' }]);
    const unknown = await fetch(`${gateway.url}/voucher/requests/${randomUUID()}`);
    assert.equal(unknown.status, 404);
    assert.match(unknown.headers.get('content-type') ?? '', /^application\/problem\+json/);
    const events = await fetch(`${gateway.url}/voucher/requests/${randomUUID()}/events`);
    assert.equal(events.status, 404);
  });

  test('PUT and DELETE /voucher are 405 Method Not Allowed with Allow, not 404', async () => {
    for (const method of ['PUT', 'DELETE']) {
      const response = await fetch(`${gateway.url}/voucher?phoneNumber=${randomPhone()}`, { method });
      assert.equal(response.status, 405, method);
      assert.equal(response.headers.get('allow'), 'GET, HEAD, POST');
      assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/);
      const body = (await response.json()) as Record<string, unknown>;
      assert.equal(body.title, 'Method Not Allowed');
      assert.equal(body.status, 405);
    }
    assert.equal((await fetch(`${gateway.url}/voucher/requests/${randomUUID()}`, { method: 'POST' })).headers.get('allow'), 'GET, HEAD');
  });

  test('a malformed JSON body, or a body that is not JSON, is refused with a title that says so', async () => {
    const malformed = await postVoucher(gateway, '', { headers: { 'content-type': 'application/json' }, body: '{"phoneNumber":' });
    assert.equal(malformed.response.status, 400);
    assert.equal(malformed.body.title, 'Malformed JSON body');
    assert.match(String(malformed.body.detail), /not valid JSON/);
    for (const [contentType, body] of [
      ['text/plain', JSON.stringify({ phoneNumber: randomPhone() })],
      ['application/x-www-form-urlencoded', `phoneNumber=${randomPhone()}`],
    ]) {
      const refused = await postVoucher(gateway, '', { headers: { 'content-type': contentType! }, body });
      assert.equal(refused.response.status, 415, contentType);
      assert.match(refused.response.headers.get('content-type') ?? '', /^application\/problem\+json/);
      assert.equal(refused.body.title, 'Unsupported media type');
      assert.match(String(refused.body.detail), /JSON/);
      assert.doesNotMatch(JSON.stringify(refused.body), /FastifyError/);
    }
  });

  test('GET /voucher without a number asks for it in the query string, where a GET carries it', async () => {
    const response = await fetch(`${gateway.url}/voucher`);
    assert.equal(response.status, 400);
    const body = (await response.json()) as Record<string, unknown>;
    assert.equal(body.detail, 'phoneNumber is required in the query string.');
    assert.deepEqual(body.errors, [{ field: 'phoneNumber', in: 'query', message: 'phoneNumber is required in the query string.' }]);
    const post = await postVoucher(gateway, '');
    assert.match(String(post.body.detail), /in the query string or the JSON body/);
  });

  test('accepted requests are counted in /metrics', async () => {
    const accepted = () => metricValue(gateway.http.adminUrl, 'gateway_requests_accepted_total');
    const before = await accepted();
    const { response, body } = await postVoucher(gateway, `?phoneNumber=${randomPhone()}`);
    assertAccepted(response, body);
    assert.equal(await accepted(), before + 1);
  });
});
