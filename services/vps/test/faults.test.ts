import { test } from 'node:test';
import assert from 'node:assert/strict';
import { call, s256, setUp, sleep, startCallbackReceiver, startTestVps, waitFor } from './helpers.ts';

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
      callbackUrl: 'http://bank.test/',
    });
    assert.equal(answer.status, 500);
  }
});

test('a duplicate callback rate of 1 sends the same callback twice', async (t) => {
  const { vps, receiver, requestVoucher, stats } = await setUp(t, { VPS_TRAFFIC: '150' });
  await call(vps.url, 'PUT', '/admin/faults', { duplicateCallbackRate: 1 });
  const ack = await requestVoucher();
  await waitFor(() => receiver.received.length === 2);
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
  await waitFor(() => receiver.received.length === 2);
  const genuine = receiver.received.filter((callback) => s256(callback.codeVerifier) === ack.body.codeChallenge);
  assert.equal(genuine.length, 1);
  await waitFor(async () => (await stats()).pending === 0);
  const counts = await stats();
  assert.equal(counts.forgedCallbacks, 1);
  assert.equal(counts.callbacksRefused, 1);
  assert.equal(counts.callbacksSent, 1);
  assert.equal(counts.forgedCallbacksAccepted, 0);
  assert.equal(counts.pending, 0);
});

test('a callback that fails with 5xx is retried until the bank accepts it; a 4xx is final', async (t) => {
  const { receiver, requestVoucher, stats } = await setUp(t, { VPS_TRAFFIC: '150' });
  let answers = [503, 503, 200];
  receiver.answer = () => answers.shift() ?? 200;
  await requestVoucher();
  await waitFor(() => receiver.received.length === 3);
  assert.equal(new Set(receiver.received.map((callback) => callback.codeVerifier)).size, 1);
  await waitFor(async () => (await stats()).pending === 0);
  let counts = await stats();
  assert.equal(counts.callbacksRetried, 2);
  assert.equal(counts.callbacksSent, 1);

  answers = [409];
  await requestVoucher();
  await waitFor(() => receiver.received.length === 4);
  await sleep(150);
  assert.equal(receiver.received.length, 4);
  counts = await stats();
  assert.equal(counts.callbacksRefused, 1);
  assert.equal(counts.pending, 0);
});

test('a callback to an unreachable bank is given up after the configured attempts', async (t) => {
  const { vps, stats } = await setUp(t, { VPS_TRAFFIC: '150', VPS_CALLBACK_ATTEMPTS: '3' });
  const closed = await startCallbackReceiver();
  await closed.close();
  await call(vps.url, 'POST', '/api/request/voucher', { phoneNumber: '+84909123456', callbackUrl: closed.url });
  await waitFor(async () => (await stats()).callbacksFailed === 1);
  const counts = await stats();
  assert.equal(counts.callbacksRetried, 2);
  assert.equal(counts.pending, 0);
});

test('a timeout fault holds the request open and then drops the connection', async (t) => {
  const { requestVoucher, stats } = await setUp(t, { VPS_TIMEOUT_RATE: '1', VPS_TIMEOUT_HOLD_MS: '200' });
  const startedAt = Date.now();
  await assert.rejects(requestVoucher());
  assert.ok(Date.now() - startedAt >= 190);
  assert.equal((await stats()).injectedTimeouts, 1);
});
