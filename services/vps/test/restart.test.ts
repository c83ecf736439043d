import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { s256, waitFor } from '@voucher/platform/testing';
import { ACK_MS, call, startCallbackReceiver, startTestVps } from './helpers.ts';

test('a restarted VPS (VPS_STATE_FILE) remembers its requests: the same challenge and code, and the callback still comes', async (t) => {
  const directory = mkdtempSync(join(tmpdir(), 'vps-state-'));
  t.after(() => rmSync(directory, { recursive: true, force: true }));
  const env = { VPS_STATE_FILE: join(directory, 'requests.jsonl'), VPS_TRAFFIC: 'high' };
  const receiver = await startCallbackReceiver();
  t.after(() => receiver.close());
  // A callback long after the restart (long enough for a busy machine to restart the VPS and ask again before it): the
  // first VPS answers 202 and dies before calling back.
  const LATENCY_MS = 5_000;
  const first = await startTestVps({ ...env, VPS_LATENCY_MIN_MS: String(LATENCY_MS), VPS_LATENCY_MAX_MS: String(LATENCY_MS) });
  const body = { phoneNumber: '0909123456', callbackUrl: receiver.url, requestId: randomUUID() };
  await call(first.url, 'PUT', '/admin/traffic', { latencyMs: LATENCY_MS });
  const acknowledged = await call(first.url, 'POST', '/api/request/voucher', body);
  assert.equal(acknowledged.status, 202);
  await first.close();

  const second = await startTestVps(env);
  t.after(() => second.close());
  const again = await call(second.url, 'POST', '/api/request/voucher', body);
  assert.equal(again.status, 202);
  assert.equal(again.body.codeChallenge, acknowledged.body.codeChallenge, 'the same challenge, not a new request');
  await waitFor(() => receiver.received.length > 0, 'the callback', LATENCY_MS + 10_000);
  const [callback] = receiver.received;
  assert.equal(s256(callback!.codeVerifier), acknowledged.body.codeChallenge, 'the callback proves the first challenge');
  const code = await call(second.url, 'POST', '/api/request/voucher', body);
  assert.equal(code.status, 200, 'asked once more after the callback time: the code itself');
  assert.equal(code.body.voucherCode, callback!.voucherCode, 'one code for the request, across the restart');
  assert.ok(ACK_MS < LATENCY_MS);
});

test('without VPS_STATE_FILE a restart forgets, as before', async (t) => {
  const receiver = await startCallbackReceiver();
  t.after(() => receiver.close());
  const body = { phoneNumber: '0909123456', callbackUrl: receiver.url, requestId: randomUUID() };
  const first = await startTestVps({ VPS_TRAFFIC: 'low' });
  const answer = await call(first.url, 'POST', '/api/request/voucher', body);
  await first.close();
  const second = await startTestVps({ VPS_TRAFFIC: 'low' });
  t.after(() => second.close());
  const again = await call(second.url, 'POST', '/api/request/voucher', body);
  assert.notEqual(again.body.voucherCode, answer.body.voucherCode);
});
