import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent } from 'undici';
import { s256, waitFor } from '@voucher/platform/testing';
import { call, startCallbackReceiver, startTestVps } from './helpers.ts';

const REQUESTS = 2000;

test(`${REQUESTS} concurrent requests are held, acknowledged and all called back once`, async (t) => {
  // The callbacks come 7.5 s after the acknowledgements, so that on a busy machine every request is acknowledged (and
  // counted pending) before the first of them.
  const vps = await startTestVps({ VPS_TRAFFIC: '8000', VPS_ACK_AFTER_MS: '500', WEB_DEADLINE_MS: '9000' });
  const receiver = await startCallbackReceiver();
  const client = new Agent({ connections: REQUESTS });
  t.after(() => client.close());
  t.after(() => vps.close());
  t.after(() => receiver.close());

  const acks = await Promise.all(
    Array.from({ length: REQUESTS }, async (_, index) => {
      const response = await fetch(`${vps.url}/api/request/voucher`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ phoneNumber: '+84909123456', callbackUrl: receiver.url, requestId: `load-${index}` }),
        dispatcher: client,
      } as RequestInit);
      assert.equal(response.status, 202);
      return (await response.json()) as { codeChallenge: string };
    }),
  );
  const stats = await call(vps.url, 'GET', '/admin/stats');
  assert.equal(stats.body.acknowledged, REQUESTS);
  assert.equal(stats.body.pending, REQUESTS);
  const metrics = await (await fetch(`${vps.http.adminUrl}/metrics`)).text();
  assert.match(metrics, new RegExp(`^vps_pending_requests\\{[^}]*\\} ${REQUESTS}$`, 'm'));

  await waitFor(() => receiver.received.length >= REQUESTS, 'every callback', 30_000);
  const challenges = new Set(acks.map((ack) => ack.codeChallenge));
  assert.equal(challenges.size, REQUESTS);
  const answered = new Set(receiver.received.map((callback) => s256(callback.codeVerifier)));
  assert.deepEqual(answered, challenges);
  assert.equal(new Set(receiver.received.map((callback) => callback.voucherCode)).size, REQUESTS);
  await waitFor(async () => (await call(vps.url, 'GET', '/admin/stats')).body.pending === 0, 'every callback settled');
});
