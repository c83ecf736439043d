import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { readConfig } from '../src/config.ts';
import { waitFor } from '@voucher/platform/testing';
import { ADMIN_TOKEN, call, setUp, startTestVps } from './helpers.ts';

test('the admin routes need the admin token', async (t) => {
  const vps = await startTestVps();
  t.after(() => vps.close());
  for (const [method, path, body] of [
    ['GET', '/admin/traffic'],
    ['PUT', '/admin/traffic', { profile: 'high' }],
    ['GET', '/admin/faults'],
    ['PUT', '/admin/faults', { errorRate: 1 }],
    ['GET', '/admin/stats'],
  ] as const) {
    for (const authorization of ['', 'Bearer wrong-token-0123456789', `Basic ${ADMIN_TOKEN}`]) {
      const answer = await call(vps.url, method, path, body, { authorization });
      assert.equal(answer.status, 401, `${method} ${path} with '${authorization}'`);
      assert.match(answer.contentType, /application\/problem\+json/);
    }
  }
  assert.equal((await call(vps.url, 'GET', '/admin/traffic')).body.profile, 'low', 'nothing changed');
  assert.equal((await call(vps.url, 'GET', '/admin/faults')).body.errorRate, 0);
});

test('start-up needs VPS_ADMIN_TOKEN and VPS_CALLBACK_ALLOWED_HOSTS unless LOCAL_DEMO=true, which leaves the admin routes open', async (t) => {
  assert.throws(() => readConfig({ VPS_CALLBACK_ALLOWED_HOSTS: '127.0.0.1' }), /VPS_ADMIN_TOKEN is required/);
  assert.throws(() => readConfig({ VPS_ADMIN_TOKEN: ADMIN_TOKEN }), /VPS_CALLBACK_ALLOWED_HOSTS is required/);
  assert.throws(() => readConfig({ LOCAL_DEMO: 'true', VPS_CALLBACK_ALLOWED_HOSTS: 'not a host' }), /VPS_CALLBACK_ALLOWED_HOSTS/);
  const demo = await startTestVps({ LOCAL_DEMO: 'true', VPS_ADMIN_TOKEN: '', VPS_CALLBACK_ALLOWED_HOSTS: '' });
  t.after(() => demo.close());
  assert.equal((await call(demo.url, 'GET', '/admin/traffic', undefined, { authorization: '' })).status, 200);
});

test('a callbackUrl whose host is not allowed gets 400, and nothing is called', async (t) => {
  const { vps, receiver, requestVoucher } = await setUp(t, { VPS_CALLBACK_ALLOWED_HOSTS: '127.0.0.1', VPS_TRAFFIC: 'high' });
  const port = new URL(receiver.url).port;
  for (const callbackUrl of [
    'http://169.254.169.254/latest/meta-data/',
    `http://localhost:${port}/api/voucher-code/vps/response`,
    'http://10.0.0.1:8082/api/voucher-code/vps/response',
  ]) {
    const answer = await requestVoucher({ callbackUrl });
    assert.equal(answer.status, 400, callbackUrl);
    assert.match(answer.body.detail, /allowed callback hosts/);
  }
  const pinned = await startTestVps({ VPS_CALLBACK_ALLOWED_HOSTS: `127.0.0.1:${Number(port) + 1}` });
  t.after(() => pinned.close());
  const wrongPort = await call(pinned.url, 'POST', '/api/request/voucher', { phoneNumber: '+84909123456', callbackUrl: receiver.url });
  assert.equal(wrongPort.status, 400, 'a host:port entry allows that port only');
  assert.equal((await requestVoucher()).status, 202, 'an allowed host');
  assert.equal(vps.url.length > 0, true);
});

test('with VPS_CALLBACK_SECRET every callback is signed (Standard Webhooks) and verifies', async (t) => {
  const key = randomBytes(32);
  const { receiver, requestVoucher } = await setUp(t, { VPS_CALLBACK_SECRET: `whsec_${key.toString('base64')}`, VPS_TRAFFIC: 'high' });
  let first = true;
  receiver.answer = () => (first ? ((first = false), 503) : 200);
  assert.equal((await requestVoucher()).status, 202);
  await waitFor(() => receiver.received.length >= 2, 'two callbacks', 10_000);
  const ids = new Set<string>();
  for (const callback of receiver.received) {
    const id = String(callback.headers['webhook-id']);
    const timestamp = String(callback.headers['webhook-timestamp']);
    const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${callback.rawBody}`).digest('base64');
    assert.equal(callback.headers['webhook-signature'], `v1,${expected}`);
    assert.ok(Math.abs(Number(timestamp) * 1000 - callback.receivedAt) < 5000, 'a current timestamp');
    ids.add(id);
  }
  assert.equal(ids.size, 1, 'a retry keeps its webhook-id');
});
