import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Database } from '@voucher/platform/database';
import { readConfig } from '../src/config.ts';
import type { RunningGateway } from '../src/service.ts';
import { bearer, otpFromSms, postJson, requestOtp, signIn, signInConfig } from './support/auth-helpers.ts';
import { openTestDatabase, randomPhone, startReadyGateway, testClock, toE164 } from './support/gateway-harness.ts';
import { startSmsReceiver } from './support/sms-receiver.ts';

const statusWithToken = (gateway: RunningGateway, token: string) =>
  fetch(`${gateway.url}/voucher/requests/${crypto.randomUUID()}`, { headers: bearer(token) });

describe('sign-in by SMS code', () => {
  let sms: Awaited<ReturnType<typeof startSmsReceiver>>;
  let gateway: RunningGateway;
  let db: Database;

  before(async () => {
    sms = await startSmsReceiver();
    const config = signInConfig(sms.url, { OTP_PER_NUMBER_PER_HOUR: '3', OTP_MAX_ATTEMPTS: '3' });
    db = await openTestDatabase(config);
    gateway = await startReadyGateway(config);
  });
  after(async () => {
    await gateway.close();
    await db.close();
    await sms.close();
  });

  test('a code is sent by SMS and exchanged once for a signed bearer token', async () => {
    const phone = randomPhone();
    const sent = await requestOtp(gateway, phone);
    assert.equal(sent.response.status, 202);
    assert.deepEqual(sent.body, { message: 'We sent a sign-in code by SMS.', expiresInSeconds: 300 });
    const otp = await otpFromSms(sms, toE164(phone), 0);
    assert.equal(sms.to(toE164(phone))[0]!.text, `Your Saigon Bank sign-in code is ${otp}. It expires in 5 minutes.`);
    const stored = await db.query<{ code_hash: Uint8Array }>('SELECT code_hash FROM otp_codes WHERE phone_number = $1', [toE164(phone)]);
    assert.ok(!Buffer.from(stored[0]!.code_hash).toString('latin1').includes(otp), 'only a hash of the code is kept');

    const token = await postJson(gateway, '/auth/token', { phoneNumber: toE164(phone), otp });
    assert.equal(token.response.status, 200);
    assert.equal(token.body.tokenType, 'Bearer');
    assert.equal(token.body.expiresIn, 900);
    const claims = JSON.parse(Buffer.from(String(token.body.accessToken).split('.')[1]!, 'base64url').toString()) as Record<
      string,
      unknown
    >;
    assert.equal(claims.sub, toE164(phone));
    assert.equal(claims.aud, 'voucher-gateway');
    assert.equal(claims.iss, 'voucher-gateway');
    assert.equal(
      (await statusWithToken(gateway, String(token.body.accessToken))).status,
      404,
      'the token is accepted (the request is unknown)',
    );

    const again = await postJson(gateway, '/auth/token', { phoneNumber: phone, otp });
    assert.equal(again.response.status, 401, 'a used code cannot be used again');
  });

  test('a wrong code is 401, and after the allowed attempts even the right code is refused with 429', async () => {
    const phone = randomPhone();
    await requestOtp(gateway, phone);
    const otp = await otpFromSms(sms, toE164(phone), 0);
    const wrong = otp === '000000' ? '111111' : '000000';
    for (let attempt = 1; attempt <= 3; attempt++) {
      const guess = await postJson(gateway, '/auth/token', { phoneNumber: phone, otp: wrong });
      assert.equal(guess.response.status, 401, `attempt ${attempt}`);
      assert.match(guess.response.headers.get('content-type') ?? '', /^application\/problem\+json/);
    }
    const late = await postJson(gateway, '/auth/token', { phoneNumber: phone, otp });
    assert.equal(late.response.status, 429);
    assert.match(String(late.body.detail), /too many attempts, request a new code/i);
  });

  test('no pending code, a malformed code and an invalid number are refused', async () => {
    assert.equal((await postJson(gateway, '/auth/token', { phoneNumber: randomPhone(), otp: '123456' })).response.status, 401);
    assert.equal((await postJson(gateway, '/auth/token', { phoneNumber: randomPhone(), otp: '12ab' })).response.status, 400);
    const sentBefore = sms.received.length;
    const invalid = await requestOtp(gateway, '12345');
    assert.equal(invalid.response.status, 400);
    assert.match(invalid.response.headers.get('content-type') ?? '', /^application\/problem\+json/);
    assert.equal(sms.received.length, sentBefore, 'nothing was sent');
  });

  test('codes per number are limited per hour: 429 with Retry-After', async () => {
    const phone = randomPhone();
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await requestOtp(gateway, phone)).response);
    assert.deepEqual(
      statuses.map((response) => response.status),
      [202, 202, 202, 429],
    );
    const retryAfter = Number(statuses[3]!.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 3600, `Retry-After ${retryAfter}`);
    // A code is texted before its 202 is answered, so by the 429 every SMS these requests caused has arrived.
    assert.equal(sms.to(toE164(phone)).length, 3, 'the refused request sent nothing');
  });

  test('a new code replaces the previous one', async () => {
    const phone = randomPhone();
    await requestOtp(gateway, phone);
    const first = await otpFromSms(sms, toE164(phone), 0);
    await requestOtp(gateway, phone);
    const second = await otpFromSms(sms, toE164(phone), 1);
    if (first !== second) assert.equal((await postJson(gateway, '/auth/token', { phoneNumber: phone, otp: first })).response.status, 401);
    assert.equal((await postJson(gateway, '/auth/token', { phoneNumber: phone, otp: second })).response.status, 200);
  });
});

test('codes per client address are limited per hour, across numbers', async () => {
  const sms = await startSmsReceiver();
  const config = signInConfig(sms.url, { OTP_PER_ADDRESS_PER_HOUR: '2' });
  const db = await openTestDatabase(config);
  // The counts live in the database (shared by replicas, and by earlier runs against PostgreSQL): start clean.
  await db.query("DELETE FROM otp_send_counts WHERE subject LIKE 'address:%'");
  const gateway = await startReadyGateway(config);
  try {
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await requestOtp(gateway, randomPhone())).response.status);
    assert.deepEqual(statuses, [202, 202, 429]);
  } finally {
    await db.query("DELETE FROM otp_send_counts WHERE subject LIKE 'address:%'");
    await gateway.close();
    await db.close();
    await sms.close();
  }
});

test('an expired code, an expired token and an expired stream ticket are refused with 401', async () => {
  const sms = await startSmsReceiver();
  const clock = testClock();
  const TTL_MS = 60_000;
  const gateway = await startReadyGateway(
    signInConfig(sms.url, { OTP_TTL_MS: String(TTL_MS), TOKEN_TTL_MS: String(TTL_MS), STREAM_TICKET_TTL_MS: String(TTL_MS) }),
    { clock: clock.now },
  );
  try {
    const phone = randomPhone();
    const token = await signIn(gateway, sms, phone, toE164(phone));
    assert.equal((await statusWithToken(gateway, token)).status, 404, 'accepted while fresh');
    const { body } = await postJson(gateway, '/voucher', {}, bearer(token));
    const requestId = String(body.requestId);
    const ticket = await postJson(gateway, `/voucher/requests/${requestId}/stream-ticket`, {}, bearer(token));
    assert.equal(ticket.response.status, 201);
    await requestOtp(gateway, phone);
    const otp = await otpFromSms(sms, toE164(phone), 1);
    // Past every expiry by a second: a JWT's exp has whole-second precision.
    clock.advance(TTL_MS + 1_000);
    const expiredCode = await postJson(gateway, '/auth/token', { phoneNumber: phone, otp });
    assert.equal(expiredCode.response.status, 401);
    assert.match(String(expiredCode.body.detail), /the code has expired/i);
    const expiredToken = await statusWithToken(gateway, token);
    assert.equal(expiredToken.status, 401);
    assert.equal(expiredToken.headers.get('www-authenticate'), 'Bearer');
    const stream = await fetch(`${gateway.url}/voucher/requests/${requestId}/events?ticket=${String(ticket.body.ticket)}`);
    assert.equal(stream.status, 401);
  } finally {
    await gateway.close();
    await sms.close();
  }
});

test('the gateway refuses to start with sign-in required and no usable secret', () => {
  const database = {
    DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/voucher',
    VOUCHER_SERVICE_TOKEN: 'gateway-test-voucher-service-token-0123456789',
  };
  assert.throws(() => readConfig({ ...database, AUTH_REQUIRED: 'true' }), /AUTH_SECRET is required/);
  assert.throws(() => readConfig({ ...database, AUTH_REQUIRED: 'true', AUTH_SECRET: 'short' }), /at least 32 characters/);
  assert.throws(() => readConfig({ ...database, AUTH_REQUIRED: 'true', AUTH_JWKS_URL: 'http://127.0.0.1:1/jwks' }), /go together/);
  assert.doesNotThrow(() => readConfig({ ...database, AUTH_REQUIRED: 'false' }));
});
