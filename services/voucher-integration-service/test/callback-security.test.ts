import assert from 'node:assert/strict';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { readConfig } from '../src/config.ts';
import { vpsReplies } from './helpers/fake-vps.ts';
import { waitFor } from '@voucher/platform/testing';
import { pkcePair, requestCode, startHarness, voucherCode, type Harness } from './helpers/harness.ts';

/** A Standard Webhooks secret and its key. */
const newSecret = () => {
  const key = randomBytes(32);
  return { secret: `whsec_${key.toString('base64')}`, key };
};

/** Signs as the Standard Webhooks scheme says, independently of the service's own code. */
function signature(key: Buffer, id: string, timestamp: number, body: string): string {
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

async function post(h: Harness, body: string, headers: Record<string, string> = {}) {
  const response = await fetch(h.callbackUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: response.status, headers: response.headers, body: await response.text() };
}

/** A request the (fake) VPS acknowledged, its challenge stored. */
async function acknowledged(h: Harness) {
  const request = requestCode(5000);
  const pair = pkcePair();
  h.vps.script(request.requestId, () => vpsReplies.challenge(pair.codeChallenge, 'S256'));
  await h.kafka.publishRequest(request);
  await h.challengeStored(request.requestId);
  const body = JSON.stringify({ codeVerifier: pair.codeVerifier, status: 'SUCCESS', voucherCode: voucherCode() });
  return { request, body };
}

const forgedBody = () => JSON.stringify({ codeVerifier: pkcePair().codeVerifier, status: 'SUCCESS', voucherCode: voucherCode() });

describe('signed callbacks (VPS_CALLBACK_SECRET, Standard Webhooks)', () => {
  const current = newSecret();
  const previous = newSecret();
  let h: Harness;
  before(async () => (h = await startHarness({ VPS_CALLBACK_SECRET: current.secret, VPS_CALLBACK_SECRET_PREVIOUS: previous.secret })));
  after(() => h.close());

  const signedHeaders = (key: Buffer, body: string, id = `msg_${randomUUID()}`, timestamp = Math.floor(Date.now() / 1000)) => ({
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signature(key, id, timestamp, body),
  });

  it('accepts a callback signed with the current or the previous secret', async () => {
    for (const key of [current.key, previous.key]) {
      const { request, body } = await acknowledged(h);
      assert.equal((await post(h, body, signedHeaders(key, body))).status, 200);
      await waitFor(() => h.kafka.receivedFor(request.requestId).length > 0, 'receive-code');
    }
  });

  it('refuses unsigned, badly signed and stale callbacks with 401, and publishes nothing', async () => {
    const { request, body } = await acknowledged(h);
    const stale = Math.floor(Date.now() / 1000) - 6 * 60;
    const future = Math.floor(Date.now() / 1000) + 6 * 60;
    const refused: Array<[string, Record<string, string>]> = [
      ['unsigned', {}],
      ['signed with another secret', signedHeaders(newSecret().key, body)],
      ['signature of another body', signedHeaders(current.key, forgedBody())],
      ['stale', signedHeaders(current.key, body, `msg_${randomUUID()}`, stale)],
      ['from the future', signedHeaders(current.key, body, `msg_${randomUUID()}`, future)],
      ['no webhook-id', { ...signedHeaders(current.key, body), 'webhook-id': '' }],
    ];
    for (const [what, headers] of refused) {
      const answer = await post(h, body, headers);
      assert.equal(answer.status, 401, what);
      assert.match(answer.headers.get('content-type') ?? '', /application\/problem\+json/, what);
    }
    await h.quiet(request.requestId);
    assert.equal(h.kafka.receivedFor(request.requestId).length, 0, 'nothing published');
    assert.equal((await post(h, body, signedHeaders(current.key, body))).status, 200, 'the challenge was not spent');
  });

  it('refuses a replayed webhook-id with 401, even with a fresh signature', async () => {
    const { request, body } = await acknowledged(h);
    const headers = signedHeaders(current.key, body);
    assert.equal((await post(h, body, headers)).status, 200);
    assert.equal((await post(h, body, headers)).status, 401, 'the same signed callback again');
    const other = await acknowledged(h);
    const reused = signedHeaders(current.key, other.body, headers['webhook-id']);
    assert.equal((await post(h, other.body, reused)).status, 401, 'the same id on another callback');
    await h.quiet(request.requestId);
    await h.quiet(other.request.requestId);
    assert.equal(h.kafka.receivedFor(request.requestId).length, 1);
    assert.equal(h.kafka.receivedFor(other.request.requestId).length, 0, 'nothing published for the replay');
  });

  it('lets the VPS retry a callback answered 503 under the same webhook-id', async () => {
    const request = requestCode(5000);
    const pair = pkcePair();
    // The callback arrives while the call is outstanding (its 202 not stored yet): 503, then the retry lands.
    h.vps.script(request.requestId, () => ({ status: 202, body: { codeChallenge: pair.codeChallenge, transformMethod: 'S256' } }));
    const body = JSON.stringify({ codeVerifier: pair.codeVerifier, status: 'SUCCESS', voucherCode: voucherCode() });
    const id = `msg_${randomUUID()}`;
    await h.service.database.query(
      `INSERT INTO vps_requests (request_id, phone_number, deadline, state, calling_since) VALUES ($1, $2, now() + interval '5 seconds', 'CALLING', now())`,
      [request.requestId, request.phoneNumber],
    );
    assert.equal((await post(h, body, signedHeaders(current.key, body, id))).status, 503);
    await h.service.database.query('DELETE FROM vps_requests WHERE request_id = $1', [request.requestId]);
    await h.kafka.publishRequest(request);
    await h.challengeStored(request.requestId);
    assert.equal((await post(h, body, signedHeaders(current.key, body, id))).status, 200);
  });
});

describe('the callback route under forged traffic', () => {
  describe('a forged callback opens no transaction', () => {
    let h: Harness;
    before(async () => (h = await startHarness()));
    after(() => h.close());

    it('answers unknown verifiers from one non-locking statement', async () => {
      await acknowledged(h); // its handler's work ends with the stored challenge
      const database = h.service.database;
      const original = database.transaction.bind(database);
      let transactions = 0;
      database.transaction = ((work: never) => {
        transactions++;
        return original(work);
      }) as typeof database.transaction;
      try {
        for (let i = 0; i < 40; i++) assert.equal((await post(h, forgedBody())).status, 403);
      } finally {
        database.transaction = original;
      }
      // The outbox relay polls once a second in its own transactions; 40 forged callbacks must not add 40 more.
      assert.ok(transactions < 10, `${transactions} transactions for 40 forged callbacks`);
    });
  });

  describe('CALLBACK_RATE_LIMIT_PER_MINUTE', () => {
    let h: Harness;
    before(async () => (h = await startHarness({ CALLBACK_RATE_LIMIT_PER_MINUTE: '5' })));
    after(() => h.close());

    it('limits callbacks per source address: 429 with Retry-After beyond the limit', async () => {
      for (let i = 0; i < 5; i++) assert.equal((await post(h, forgedBody())).status, 403);
      const limited = await post(h, forgedBody());
      assert.equal(limited.status, 429);
      assert.ok(Number(limited.headers.get('retry-after')) >= 1);
      assert.match(limited.headers.get('content-type') ?? '', /application\/problem\+json/);
      assert.equal((await fetch(`${h.service.url}/healthz`)).status, 200, 'other routes are not limited');
    });
  });

  describe('CALLBACK_ALLOWED_ADDRESSES', () => {
    it('refuses callbacks from other addresses with 403 and publishes nothing', async () => {
      const h = await startHarness({ CALLBACK_ALLOWED_ADDRESSES: '10.0.0.0/8, 2001:db8::/32' });
      try {
        const { request, body } = await acknowledged(h);
        const answer = await post(h, body);
        assert.equal(answer.status, 403);
        assert.match(answer.body, /only from the voucher provider/);
        await h.quiet(request.requestId);
        assert.equal(h.kafka.receivedFor(request.requestId).length, 0);
      } finally {
        await h.close();
      }
    });

    it('takes callbacks from a listed address', async () => {
      const h = await startHarness({ CALLBACK_ALLOWED_ADDRESSES: '10.0.0.0/8,127.0.0.1/32,::1' });
      try {
        const { body } = await acknowledged(h);
        assert.equal((await post(h, body)).status, 200);
      } finally {
        await h.close();
      }
    });

    it('refuses a malformed list at start-up', async () => {
      const env = { DATABASE_URL: 'postgres://localhost/x' };
      for (const bad of ['10.0.0.0/33', 'example.com', '10.0.0.0/x', '::1/129']) {
        assert.throws(() => readConfig({ ...env, CALLBACK_ALLOWED_ADDRESSES: bad }), /CALLBACK_ALLOWED_ADDRESSES/, bad);
      }
      assert.throws(() => readConfig({ ...env, VPS_CALLBACK_SECRET: 'not-a-whsec' }), /VPS_CALLBACK_SECRET/);
    });
  });
});
