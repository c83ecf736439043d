import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ACK_MS, DEADLINE_MS, call, startCallbackReceiver, startTestVps } from './helpers.ts';

test('PUT /admin/traffic switches the profile for the next requests', async (t) => {
  const vps = await startTestVps({ VPS_TRAFFIC: 'low' });
  const receiver = await startCallbackReceiver();
  t.after(() => vps.close());
  t.after(() => receiver.close());
  const requestVoucher = () => call(vps.url, 'POST', '/api/request/voucher', { phoneNumber: '+84909123456', callbackUrl: receiver.url });

  assert.deepEqual((await call(vps.url, 'GET', '/admin/traffic')).body, { profile: 'low', ackAfterMs: ACK_MS, webDeadlineMs: DEADLINE_MS });
  assert.equal((await requestVoucher()).status, 200);

  const high = await call(vps.url, 'PUT', '/admin/traffic', { profile: 'high' });
  assert.equal(high.status, 200);
  assert.equal(high.body.profile, 'high');
  assert.equal((await requestVoucher()).status, 202);

  await call(vps.url, 'PUT', '/admin/traffic', { latencyMs: 10 });
  assert.deepEqual((await call(vps.url, 'GET', '/admin/traffic')).body, {
    profile: 'fixed',
    latencyMs: 10,
    ackAfterMs: ACK_MS,
    webDeadlineMs: DEADLINE_MS,
  });
  assert.equal((await requestVoucher()).status, 200);
});

test('admin bodies are validated and a bad one changes nothing', async (t) => {
  const vps = await startTestVps({ VPS_TRAFFIC: 'low' });
  t.after(() => vps.close());
  const refused = [
    ['/admin/traffic', { profile: 'rush-hour' }],
    ['/admin/traffic', { latencyMs: -1 }],
    ['/admin/traffic', { latencyMs: 600_001 }],
    ['/admin/traffic', { profile: 'high', latencyMs: 5 }],
    ['/admin/traffic', {}],
    ['/admin/faults', { errorRate: 1.5 }],
    ['/admin/faults', { timeoutRate: -0.1 }],
    ['/admin/faults', { failNext: 1.5 }],
    ['/admin/faults', { errorRat: 0.5 }],
    ['/admin/faults', {}],
  ] as const;
  for (const [path, body] of refused) {
    const answer = await call(vps.url, 'PUT', path, body);
    assert.equal(answer.status, 400, `${path} ${JSON.stringify(body)}`);
    assert.match(answer.contentType, /^application\/problem\+json/);
  }
  assert.equal((await call(vps.url, 'GET', '/admin/traffic')).body.profile, 'low');
  assert.deepEqual((await call(vps.url, 'GET', '/admin/faults')).body, {
    errorRate: 0,
    timeoutRate: 0,
    duplicateCallbackRate: 0,
    forgedCallbackRate: 0,
    failNext: 0,
  });
});

test('PUT /admin/faults changes only the fields it names', async (t) => {
  const vps = await startTestVps({ VPS_DUPLICATE_CALLBACK_RATE: '0.25' });
  t.after(() => vps.close());
  const answer = await call(vps.url, 'PUT', '/admin/faults', { errorRate: 0.5 });
  assert.deepEqual(answer.body, { errorRate: 0.5, timeoutRate: 0, duplicateCallbackRate: 0.25, forgedCallbackRate: 0, failNext: 0 });
});

test('bad start-up settings are refused', async () => {
  await assert.rejects(startTestVps({ VPS_TRAFFIC: 'busy' }), /VPS_TRAFFIC/);
  await assert.rejects(startTestVps({ VPS_ERROR_RATE: '2' }), /VPS_ERROR_RATE/);
  await assert.rejects(startTestVps({ WEB_DEADLINE_MS: '50' }), /WEB_DEADLINE_MS/);
});
