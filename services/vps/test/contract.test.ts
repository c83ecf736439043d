import { test } from 'node:test';
import assert from 'node:assert/strict';
import { s256, waitFor } from '@voucher/platform/testing';
import { ACK_MS, CODE_FORMAT, DEADLINE_MS, call, setUp } from './helpers.ts';

const VERIFIER_FORMAT = /^[A-Za-z0-9._~-]{43,128}$/;

test('low traffic answers 200 with a fresh code before the ack mark', async (t) => {
  const { requestVoucher } = await setUp(t, { VPS_TRAFFIC: 'low' });
  const startedAt = Date.now();
  const first = await requestVoucher();
  // Before the ack mark (a 202 would come at it); the margin is for a busy machine's pauses, not the simulator's.
  assert.ok(Date.now() - startedAt < ACK_MS + 1_000);
  assert.equal(first.status, 200);
  assert.equal(first.body.status, 'SUCCESS');
  assert.equal(first.body.message, 'Thank you for using our services, your voucher code is ready.');
  assert.match(first.body.voucherCode, CODE_FORMAT);
  const second = await requestVoucher();
  assert.notEqual(second.body.voucherCode, first.body.voucherCode);
});

test('high traffic acknowledges at the ack mark with an S256 challenge, then calls back SUCCESS with the verifier', async (t) => {
  const { receiver, requestVoucher } = await setUp(t, { VPS_TRAFFIC: 'high' });
  const startedAt = Date.now();
  const ack = await requestVoucher();
  assert.ok(Date.now() - startedAt >= ACK_MS - 5);
  assert.equal(ack.status, 202);
  assert.deepEqual(Object.keys(ack.body).sort(), ['codeChallenge', 'message', 'transformMethod']);
  assert.equal(ack.body.transformMethod, 'S256');
  assert.equal(ack.body.message, 'Your request is being processed within 30 seconds');

  await waitFor(() => receiver.received.length === 1, 'the callback');
  const [callback] = receiver.received;
  assert.ok(callback);
  assert.ok(callback.receivedAt - startedAt <= DEADLINE_MS + 1_000);
  assert.match(callback.codeVerifier, VERIFIER_FORMAT);
  assert.equal(s256(callback.codeVerifier), ack.body.codeChallenge);
  assert.equal(callback.status, 'SUCCESS');
  assert.equal(callback.message, 'Thank you for using our services, your voucher code is ready.');
  assert.match(callback.voucherCode, CODE_FORMAT);
});

test('extreme traffic calls back LATE_SUCCESS after the deadline', async (t) => {
  const { receiver, requestVoucher } = await setUp(t, { VPS_TRAFFIC: 'extreme' });
  const startedAt = Date.now();
  const ack = await requestVoucher();
  assert.equal(ack.status, 202);
  await waitFor(() => receiver.received.length === 1, 'the callback');
  const [callback] = receiver.received;
  assert.ok(callback);
  assert.ok(callback.receivedAt - startedAt > DEADLINE_MS);
  assert.equal(callback.status, 'LATE_SUCCESS');
  assert.equal(callback.message, 'Thank you for your patience, your voucher code is ready.');
  assert.equal(s256(callback.codeVerifier), ack.body.codeChallenge);
});

test('the plain method sends the verifier itself as the challenge', async (t) => {
  const { receiver, requestVoucher } = await setUp(t, { VPS_TRAFFIC: '200', VPS_TRANSFORM_METHOD: 'plain' });
  const ack = await requestVoucher();
  assert.equal(ack.status, 202);
  assert.equal(ack.body.transformMethod, 'plain');
  await waitFor(() => receiver.received.length === 1, 'the callback');
  assert.equal(receiver.received[0]?.codeVerifier, ack.body.codeChallenge);
});

test('a retry with the same requestId gets the same code, never a second one', async (t) => {
  const { requestVoucher } = await setUp(t, { VPS_TRAFFIC: 'low' });
  const [first, concurrent] = await Promise.all([requestVoucher({ requestId: 'r-1' }), requestVoucher({ requestId: 'r-1' })]);
  const later = await requestVoucher({ requestId: 'r-1' });
  assert.equal(first.status, 200);
  assert.equal(concurrent.body.voucherCode, first.body.voucherCode);
  assert.equal(later.body.voucherCode, first.body.voucherCode);
  const other = await requestVoucher({ requestId: 'r-2' });
  assert.notEqual(other.body.voucherCode, first.body.voucherCode);
});

test('a retry of a pending request gets the same challenge and the code is called back once', async (t) => {
  const { vps, receiver, requestVoucher, idle } = await setUp(t, { VPS_TRAFFIC: '250' });
  const first = await requestVoucher({ requestId: 'r-1' });
  const retry = await requestVoucher({ requestId: 'r-1' });
  assert.equal(first.status, 202);
  assert.deepEqual(retry, first);
  await waitFor(() => receiver.received.length === 1, 'the callback');
  await idle();
  assert.equal(receiver.received.length, 1);
  const stats = await call(vps.url, 'GET', '/admin/stats');
  assert.equal(stats.body.replayed, 1);
  assert.equal(stats.body.callbacksSent, 1);
});

test('asked again after its callback time, the VPS answers 200 with the code the callback carried, and calls back no more', async (t) => {
  const { vps, receiver, requestVoucher, idle } = await setUp(t, { VPS_TRAFFIC: '150' });
  const ack = await requestVoucher({ requestId: 'r-1' });
  assert.equal(ack.status, 202);
  await waitFor(() => receiver.received.length === 1, 'the callback');
  const [callback] = receiver.received;

  const again = await requestVoucher({ requestId: 'r-1' });
  assert.equal(again.status, 200);
  assert.deepEqual(again.body, {
    status: 'SUCCESS',
    voucherCode: callback?.voucherCode,
    message: 'Thank you for using our services, your voucher code is ready.',
  });
  assert.deepEqual((await requestVoucher({ requestId: 'r-1' })).body, again.body, 'the same code every time');
  await idle();
  assert.equal(receiver.received.length, 1);
  const stats = (await call(vps.url, 'GET', '/admin/stats')).body;
  assert.equal(stats.replayedWithCode, 2);
  assert.equal(stats.callbacksSent, 1);
});

test('a late code is answered LATE_SUCCESS when asked again, even when its callback never got through', async (t) => {
  const { receiver, requestVoucher, stats } = await setUp(t, { VPS_TRAFFIC: String(DEADLINE_MS + 100) });
  receiver.answer = () => 503;
  assert.equal((await requestVoucher({ requestId: 'r-late' })).status, 202);
  await waitFor(() => receiver.received.length >= 1, 'the first attempt of the callback'); // 503: retried from then on
  const again = await requestVoucher({ requestId: 'r-late' });
  assert.equal(again.status, 200);
  assert.equal(again.body.status, 'LATE_SUCCESS');
  assert.equal(again.body.voucherCode, receiver.received[0]?.voucherCode);
  assert.equal(again.body.message, 'Thank you for your patience, your voucher code is ready.');
  assert.equal((await stats()).callbacksSent, 0);
});

test('a requestId reused for another phone number is refused with 409', async (t) => {
  const { requestVoucher } = await setUp(t, { VPS_TRAFFIC: 'low' });
  assert.equal((await requestVoucher({ requestId: 'r-1' })).status, 200);
  const reused = await requestVoucher({ requestId: 'r-1', phoneNumber: '+84909000111' });
  assert.equal(reused.status, 409);
  assert.equal(reused.contentType, 'application/problem+json; charset=utf-8');
});

test('malformed voucher requests get a 400 problem', async (t) => {
  const { vps, receiver } = await setUp(t, {});
  const bodies = [
    { callbackUrl: receiver.url },
    { phoneNumber: '', callbackUrl: receiver.url },
    { phoneNumber: '+84909123456' },
    { phoneNumber: '+84909123456', callbackUrl: 'not a url' },
    { phoneNumber: '+84909123456', callbackUrl: 'ftp://bank.example/callback' },
    { phoneNumber: '+84909123456', callbackUrl: receiver.url, requestId: 'x'.repeat(65) },
  ];
  for (const body of bodies) {
    const answer = await call(vps.url, 'POST', '/api/request/voucher', body);
    assert.equal(answer.status, 400, JSON.stringify(body));
    assert.match(answer.contentType, /^application\/problem\+json/);
    assert.equal(answer.body.status, 400);
  }
  const stats = await call(vps.url, 'GET', '/admin/stats');
  assert.equal(stats.body.immediate + stats.body.acknowledged, 0);
});
