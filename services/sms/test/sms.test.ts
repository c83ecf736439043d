import { test } from 'node:test';
import assert from 'node:assert/strict';
import { call, startTestSms } from './helpers.ts';
import { readConfig } from '../src/config.ts';

const send = (base: string, to: string, text: string, headers: Record<string, string> = {}) =>
  call(base, 'POST', '/api/sms', { to, text }, headers);

test('a sent message is recorded and listed newest first under both phone number forms', async (t) => {
  const sms = await startTestSms(t);
  const first = await send(sms.url, '0909123456', 'Your voucher code is ABCD-EFGH-JKLM-NPQR');
  assert.equal(first.status, 201);
  assert.equal(first.body.to, '+84909123456');
  assert.equal(first.body.text, 'Your voucher code is ABCD-EFGH-JKLM-NPQR');
  assert.ok(first.body.id);
  assert.ok(!Number.isNaN(Date.parse(first.body.sentAt)));
  await send(sms.url, '+84909123456', 'second');
  await send(sms.url, '0912345678', 'to someone else');

  for (const phoneNumber of ['0909123456', '%2B84909123456', '+84909123456']) {
    const listed = await call(sms.url, 'GET', `/api/messages?phoneNumber=${phoneNumber}`);
    assert.equal(listed.status, 200, phoneNumber);
    assert.deepEqual(
      listed.body.map((message: { text: string }) => message.text),
      ['second', 'Your voucher code is ABCD-EFGH-JKLM-NPQR'],
    );
    assert.deepEqual(Object.keys(listed.body[0]).sort(), ['id', 'sentAt', 'text', 'to']);
  }
  const everyone = await call(sms.url, 'GET', '/api/messages');
  assert.deepEqual(
    everyone.body.map((message: { text: string }) => message.text),
    ['to someone else', 'second', 'Your voucher code is ABCD-EFGH-JKLM-NPQR'],
  );
  assert.deepEqual((await call(sms.url, 'GET', '/api/messages?phoneNumber=0987654321')).body, []);
});

test('a retry with the same Idempotency-Key returns the first message and texts nothing new', async (t) => {
  const sms = await startTestSms(t);
  const headers = { 'idempotency-key': 'request-1' };
  const first = await send(sms.url, '0909123456', 'code 1', headers);
  const retry = await send(sms.url, '+84909123456', 'code 1', headers);
  assert.equal(retry.status, 201);
  assert.deepEqual(retry.body, first.body);
  assert.equal(retry.headers.get('idempotent-replayed'), 'true');
  const reused = await send(sms.url, '0909123456', 'another text', headers);
  assert.equal(reused.status, 409);
  assert.equal((await call(sms.url, 'GET', '/api/messages?phoneNumber=0909123456')).body.length, 1);
});

test('bad input gets a 400 problem and records nothing', async (t) => {
  const sms = await startTestSms(t);
  const refused = [
    { to: 'not a number', text: 'hello' },
    { to: '0281234567', text: 'a landline cannot receive a text' },
    { to: '0909123456', text: '' },
    { to: '0909123456', text: 'x'.repeat(1601) },
    { text: 'nobody' },
  ];
  for (const body of refused) {
    const answer = await call(sms.url, 'POST', '/api/sms', body);
    assert.equal(answer.status, 400, JSON.stringify(body));
    assert.match(answer.contentType, /^application\/problem\+json/);
  }
  const longKey = await send(sms.url, '0909123456', 'hi', { 'idempotency-key': 'k'.repeat(129) });
  assert.equal(longKey.status, 400);
  const badQuery = await call(sms.url, 'GET', '/api/messages?phoneNumber=12');
  assert.equal(badQuery.status, 400);
  assert.match(badQuery.contentType, /^application\/problem\+json/);
  assert.deepEqual((await call(sms.url, 'GET', '/api/messages')).body, []);
});

test('the inbox keeps at most SMS_MAX_MESSAGES, dropping the oldest', async (t) => {
  const sms = await startTestSms(t, { SMS_MAX_MESSAGES: '3' });
  for (let index = 1; index <= 5; index++) await send(sms.url, '0909123456', `message ${index}`, { 'idempotency-key': `k${index}` });
  const listed = await call(sms.url, 'GET', '/api/messages?phoneNumber=0909123456');
  assert.deepEqual(
    listed.body.map((message: { text: string }) => message.text),
    ['message 5', 'message 4', 'message 3'],
  );
  // The dropped message's key is forgotten with it, so memory stays bounded too.
  assert.equal((await send(sms.url, '0909123456', 'message 1', { 'idempotency-key': 'k1' })).body.text, 'message 1');
  assert.equal((await call(sms.url, 'GET', '/api/messages')).body.length, 3);
});

test('injected faults make sends fail with 503 and record nothing, then recover', async (t) => {
  const sms = await startTestSms(t, { SMS_FAIL_NEXT: '1' });
  const failed = await send(sms.url, '0909123456', 'first try');
  assert.equal(failed.status, 503);
  assert.ok(failed.headers.get('retry-after'));
  assert.equal((await call(sms.url, 'PUT', '/admin/faults', { failNext: 2 })).body.failNext, 2);
  assert.equal((await send(sms.url, '0909123456', 'second try')).status, 503);
  assert.equal((await send(sms.url, '0909123456', 'third try')).status, 503);
  assert.equal((await send(sms.url, '0909123456', 'fourth try')).status, 201);
  assert.equal((await call(sms.url, 'GET', '/api/messages')).body.length, 1);
  assert.equal((await call(sms.url, 'PUT', '/admin/faults', { errorRate: 2 })).status, 400);
  assert.deepEqual((await call(sms.url, 'GET', '/admin/faults')).body, { failNext: 0, errorRate: 0 });
});

test('the inbox page and its script are served with a strict content security policy', async (t) => {
  const sms = await startTestSms(t);
  const page = await call(sms.url, 'GET', '/');
  assert.equal(page.status, 200);
  assert.match(page.contentType, /^text\/html/);
  assert.match(page.body, /SMS inbox/);
  assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
  const script = await call(sms.url, 'GET', '/inbox.js');
  assert.equal(script.status, 200);
  assert.match(script.body, /textContent/);
  assert.doesNotMatch(script.body, /innerHTML/);
  assert.equal((await call(sms.url, 'GET', '/inbox.css')).status, 200);
});

test('the inbox data and the admin routes need SMS_ADMIN_TOKEN; sending and the page itself do not', async (t) => {
  const sms = await startTestSms(t);
  assert.equal((await send(sms.url, '0909123456', 'Your sign-in code is 123456', { authorization: '' })).status, 201);
  for (const [method, path, body] of [
    ['GET', '/api/messages'],
    ['GET', '/api/messages?phoneNumber=0909123456'],
    ['GET', '/admin/faults'],
    ['PUT', '/admin/faults', { failNext: 1 }],
  ] as const) {
    for (const authorization of ['', 'Bearer wrong-token-0123456789']) {
      const answer = await call(sms.url, method, path, body, { authorization });
      assert.equal(answer.status, 401, `${method} ${path} '${authorization}'`);
      assert.doesNotMatch(JSON.stringify(answer.body), /123456/);
    }
  }
  assert.equal((await call(sms.url, 'GET', '/', undefined, { authorization: '' })).status, 200);
  assert.equal((await call(sms.url, 'GET', '/api/messages')).body.length, 1, 'with the token');
  assert.throws(() => readConfig({}), /SMS_ADMIN_TOKEN is required/);
  const demo = await startTestSms(t, { LOCAL_DEMO: 'true', SMS_ADMIN_TOKEN: '' });
  assert.equal((await call(demo.url, 'GET', '/admin/faults', undefined, { authorization: '' })).status, 200, 'LOCAL_DEMO: open');
});
