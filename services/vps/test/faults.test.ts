import { test } from 'node:test';
import assert from 'node:assert/strict';
import { s256, waitFor } from '@voucher/platform/testing';
import { call, setUp, startCallbackReceiver, startTestVps } from './helpers.ts';

test('failNext answers 500 problems for exactly that many requests, then recovers', async (t) => {
  const { vps, requestVoucher } = await setUp(t, { VPS_TRAFFIC: 'low' });
  const faults = await call(vps.url, 'PUT', '/admin/faults', { failNext: 2 });
  assert.equal(faults.body.failNext, 2);
  for (let attempt = 0; attempt < 2; attempt++) {
    const failed = await requestVoucher({ requestId: 'r-1' });
    assert.equal(failed.status, 500);
    assert.match(failed.contentType, /^application\/problem\+json/);
  }
  const recovered = await requestVoucher({ requestId: 'r-1' });
  assert.equal(recovered.status, 200);
  assert.equal((await call(vps.url, 'GET', '/admin/faults')).body.failNext, 0);
});

test('VPS_FAIL_NEXT and VPS_ERROR_RATE inject errors from start-up', async (t) => {
  const { requestVoucher, stats } = await setUp(t, { VPS_FAIL_NEXT: '1', VPS_ERROR_RATE: '0' });
  assert.equal((await requestVoucher()).status, 500);
  assert.equal((await requestVoucher()).status, 200);
  assert.equal((await stats()).injectedErrors, 1);
  const always = await startTestVps({ VPS_ERROR_RATE: '1' });
  t.after(() => always.close());
  for (let attempt = 0; attempt < 3; attempt++) {
    const answer = await call(always.url, 'POST', '/api/request/voucher', {
      phoneNumber: '+84909123456',
      callbackUrl: 'http://127.0.0.1:9/',
    });
    assert.equal(answer.status, 500);
  }
});

test('a duplicate callback rate of 1 sends the same callback twice', async (t) => {
  const { vps, receiver, requestVoucher, stats } = await setUp(t, { VPS_TRAFFIC: '150' });
  await call(vps.url, 'PUT', '/admin/faults', { duplicateCallbackRate: 1 });
  const ack = await requestVoucher();
  await waitFor(() => receiver.received.length === 2, 'two callbacks');
  const [first, second] = receiver.received;
  assert.equal(first?.codeVerifier, second?.codeVerifier);
  assert.equal(first?.voucherCode, second?.voucherCode);
  assert.equal(s256(first?.codeVerifier ?? ''), ack.body.codeChallenge);
  assert.equal((await stats()).duplicateCallbacks, 1);
});

test('a forged callback carries a wrong verifier; the bank refusing it does not stop the genuine one', async (t) => {
  const { receiver, requestVoucher, stats } = await setUp(t, { VPS_TRAFFIC: '150', VPS_FORGED_CALLBACK_RATE: '1' });
  let challenge = '';
  receiver.answer = (callback) => (s256(callback.codeVerifier) === challenge ? 200 : 400);
  const ack = await requestVoucher();
  challenge = ack.body.codeChallenge;
  await waitFor(() => receiver.received.length === 2, 'two callbacks');
  const genuine = receiver.received.filter((callback) => s256(callback.codeVerifier) === ack.body.codeChallenge);
  assert.equal(genuine.length, 1);
  await waitFor(async () => (await stats()).pending === 0, 'every callback settled');
  const counts = await stats();
  assert.equal(counts.forgedCallbacks, 1);
  assert.equal(counts.callbacksRefused, 1);
  assert.equal(counts.callbacksSent, 1);
  assert.equal(counts.forgedCallbacksAccepted, 0);
  assert.equal(counts.pending, 0);
});

test('a callback answered 503 three times, then 200, is delivered once', async (t) => {
  const { receiver, requestVoucher, stats } = await setUp(t, { VPS_TRAFFIC: '150' });
  const answers = [503, 503, 503];
  receiver.answer = () => answers.shift() ?? 200;
  await requestVoucher();
  await waitFor(async () => (await stats()).pending === 0, 'every callback settled');
  assert.equal(receiver.received.length, 4);
  assert.equal(new Set(receiver.received.map((callback) => callback.codeVerifier)).size, 1);
  const counts = await stats();
  assert.equal(counts.callbacksRetried, 3);
  assert.equal(counts.callbacksSent, 1);
  assert.equal(counts.callbacksFailed, 0);
});

test('timeouts, 408, 429 and 5xx are retried for as long as the window lasts, not a fixed number of attempts', async (t) => {
  const { receiver, requestVoucher, stats } = await setUp(t, {
    VPS_TRAFFIC: '150',
    VPS_CALLBACK_RETRY_MAX_MS: '40',
    VPS_CALLBACK_TIMEOUT_MS: '100',
  });
  const answers = [503, 429, 500, 408, 0, 502, 504, 503, 429]; // 0: no answer at all, until the VPS's timeout
  receiver.answer = () => answers.shift() ?? 200;
  await requestVoucher();
  await waitFor(async () => (await stats()).pending === 0, 'every callback settled');
  assert.equal(receiver.received.length, 10);
  const counts = await stats();
  assert.equal(counts.callbacksRetried, 9);
  assert.equal(counts.callbacksSent, 1);
  assert.equal(counts.callbacksRefused, 0);
});

test("any other 4xx, and a 3xx, is the bank's final word", async (t) => {
  const { receiver, requestVoucher, stats, idle } = await setUp(t, { VPS_TRAFFIC: '150' });
  for (const [index, status] of [403, 409, 410, 302].entries()) {
    receiver.answer = () => status;
    await requestVoucher();
    await waitFor(() => receiver.received.length === index + 1, `callback ${index + 1}`);
    await idle();
  }
  assert.equal(receiver.received.length, 4, 'none retried');
  const counts = await stats();
  assert.equal(counts.callbacksRefused, 4);
  assert.equal(counts.callbacksRetried, 0);
});

test('a bank that refuses connections for a while, then comes back, gets the callback once, within the window', async (t) => {
  const { vps, stats, idle } = await setUp(t, { VPS_TRAFFIC: '150', VPS_CALLBACK_RETRY_MAX_MS: '100' });
  const down = await startCallbackReceiver();
  await down.close();
  const port = Number(new URL(down.url).port);
  await call(vps.url, 'POST', '/api/request/voucher', { phoneNumber: '+84909123456', callbackUrl: down.url });
  // Longer than the old limit of 5 attempts in all.
  await waitFor(async () => (await stats()).callbacksRetried >= 6, 'six retries');

  const up = await startCallbackReceiver(port);
  t.after(() => up.close());
  await waitFor(() => up.received.length === 1, 'the callback');
  await idle();
  assert.equal(up.received.length, 1);
  const counts = await stats();
  assert.equal(counts.callbacksSent, 1);
  assert.equal(counts.callbacksFailed, 0);
});

test('a callback to a bank that stays unreachable is given up when the retry window closes', async (t) => {
  const { vps, stats } = await setUp(t, { VPS_TRAFFIC: '150', VPS_CALLBACK_RETRY_WINDOW_MS: '300', VPS_CALLBACK_RETRY_MAX_MS: '50' });
  const closed = await startCallbackReceiver();
  await closed.close();
  const startedAt = Date.now();
  await call(vps.url, 'POST', '/api/request/voucher', { phoneNumber: '+84909123456', callbackUrl: closed.url });
  await waitFor(async () => (await stats()).callbacksFailed === 1, 'the callback to fail');
  const tookMs = Date.now() - startedAt;
  assert.ok(tookMs >= 150 + 300 - 100 && tookMs < 150 + 300 + 1000, `gave up at the end of the window, after ${tookMs} ms`);
  const counts = await stats();
  assert.ok(counts.callbacksRetried >= 5, `retried ${counts.callbacksRetried} times`);
  assert.equal(counts.pending, 0);
});

test('a forged callback is never accepted, even when the bank first asks for it again (503, not known yet)', async (t) => {
  const { receiver, requestVoucher, stats } = await setUp(t, { VPS_TRAFFIC: '150', VPS_FORGED_CALLBACK_RATE: '1' });
  let challenge = '';
  let forgedSeen = 0;
  receiver.answer = (callback) => (s256(callback.codeVerifier) === challenge ? 200 : ++forgedSeen <= 2 ? 503 : 403);
  const ack = await requestVoucher();
  challenge = ack.body.codeChallenge;
  await waitFor(async () => (await stats()).pending === 0 && (await stats()).callbacksRefused === 1, 'the forged callback refused');
  const counts = await stats();
  assert.equal(counts.forgedCallbacks, 1);
  assert.equal(forgedSeen, 3, 'the forged callback was retried on 503, then refused for good');
  assert.equal(counts.callbacksSent, 1);
  assert.equal(counts.forgedCallbacksAccepted, 0);
});

test('a timeout fault holds the request open and then drops the connection', async (t) => {
  const { requestVoucher, stats } = await setUp(t, { VPS_TIMEOUT_RATE: '1', VPS_TIMEOUT_HOLD_MS: '200' });
  const startedAt = Date.now();
  await assert.rejects(requestVoucher());
  assert.ok(Date.now() - startedAt >= 190);
  assert.equal((await stats()).injectedTimeouts, 1);
});
