import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { readConfig } from '../src/config.ts';
import { startGateway, type RunningGateway } from '../src/service.ts';
import { bearer, otpFromSms, postJson, requestOtp, signIn, signInConfig } from './support/auth-helpers.ts';
import { logger, postVoucher, randomPhone, testClock, testConfig, toE164 } from './support/gateway-harness.ts';
import { startSmsReceiver } from './support/sms-receiver.ts';

const HOUR = 3_600_000;
const US_NUMBER = '+12025550100';
const wrongFor = (otp: string | undefined) => (otp === '000000' ? '111111' : '000000');

/** A random /64 of the documentation range (2001:db8::/32), so runs against a shared database never collide. */
const randomSlash64 = () => `2001:db8:${randomInt(0, 0xffff).toString(16)}:${randomInt(0, 0xffff).toString(16)}`;

describe('sign-in against SMS pumping and guessing', () => {
  let sms: Awaited<ReturnType<typeof startSmsReceiver>>;
  let clock: ReturnType<typeof testClock>;
  let gateway: RunningGateway;

  before(async () => {
    sms = await startSmsReceiver();
    clock = testClock();
    const config = signInConfig(sms.url, {
      OTP_MAX_ATTEMPTS: '5',
      OTP_PER_NUMBER_PER_HOUR: '10',
      OTP_LOCKOUT_FAILURES: '10',
      OTP_LOCKOUT_WINDOW_MS: String(HOUR),
      OTP_LOCKOUT_MS: String(HOUR),
    });
    gateway = await startGateway(config, logger, { clock: clock.now });
  });
  after(async () => {
    await gateway.close();
    await sms.close();
  });

  const askCode = (phoneNumber: string) => requestOtp(gateway, phoneNumber);
  const guess = (phoneNumber: string, otp: string) => postJson(gateway, '/auth/token', { phoneNumber, otp });

  test('a number of a region the bank does not serve gets no code: 400 naming the field, and no SMS', async () => {
    const sentBefore = sms.received.length;
    for (const phoneNumber of [US_NUMBER, '+447400123456', '+4915123456789']) {
      const refused = await askCode(phoneNumber);
      assert.equal(refused.response.status, 400, phoneNumber);
      assert.match(String(refused.body.detail), /phoneNumber must be a mobile number of VN/);
      assert.deepEqual(
        (refused.body.errors as Array<{ field: string }>).map((error) => error.field),
        ['phoneNumber'],
      );
      assert.equal((await guess(phoneNumber, '123456')).response.status, 400, 'nor may it be used to sign in');
    }
    assert.equal(sms.received.length, sentBefore, 'nothing was sent');
  });

  test('wrong codes are counted across codes: after OTP_LOCKOUT_FAILURES the number is locked, even for the right code', async () => {
    // The reproduced attack: 5 codes, 4 wrong guesses at each (under OTP_MAX_ATTEMPTS), then the right code.
    const phone = randomPhone();
    const e164 = toE164(phone);
    const codeRequests: number[] = [];
    const guesses: number[] = [];
    let lastCode: string | undefined;
    for (let code = 0; code < 5; code++) {
      const sentBefore = sms.to(e164).length;
      const asked = await askCode(phone);
      codeRequests.push(asked.response.status);
      if (asked.response.status === 202) lastCode = await otpFromSms(sms, e164, sentBefore);
      for (let attempt = 0; attempt < 4; attempt++) guesses.push((await guess(phone, wrongFor(lastCode))).response.status);
    }
    const right = await guess(phone, lastCode!);
    assert.equal(right.response.status, 429, 'after 20 wrong guesses over 5 codes, the right code must not sign in');
    assert.deepEqual(codeRequests, [202, 202, 202, 429, 429], 'no code is sent to a locked number');
    assert.deepEqual(guesses.slice(0, 9), Array(9).fill(401));
    assert.deepEqual(guesses.slice(9), Array(11).fill(429), 'the 10th wrong code locks the number');
    assert.equal(sms.to(e164).length, 3);
    assert.match(String(right.body.detail), /sign-in is locked for 60 minutes/);
    const retryAfter = Number(right.response.headers.get('retry-after'));
    assert.ok(retryAfter > 3_500 && retryAfter <= 3_600, `Retry-After ${retryAfter}`);

    clock.advance(HOUR);
    const token = await signIn(gateway, sms, phone, e164);
    assert.ok(token, 'once the lock has ended, the customer signs in');
  });

  test('a right code wipes the count: failures before a sign-in do not add up to a lock later', async () => {
    const phone = randomPhone();
    const e164 = toE164(phone);
    for (let round = 0; round < 3; round++) {
      assert.equal((await askCode(phone)).response.status, 202);
      const otp = await otpFromSms(sms, e164, round);
      for (let attempt = 0; attempt < 4; attempt++) assert.equal((await guess(phone, wrongFor(otp))).response.status, 401);
      assert.equal((await guess(phone, otp)).response.status, 200, `round ${round}`);
    }
  });
});

test('the per-address limit counts an IPv6 address by its /64 (behind a trusted proxy, TRUST_PROXY)', async () => {
  const sms = await startSmsReceiver();
  // The test client is 127.0.0.1: believe the X-Forwarded-For it sends as the customer's address.
  const config = signInConfig(sms.url, { OTP_PER_ADDRESS_PER_HOUR: '2', TRUST_PROXY: 'loopback' });
  const gateway = await startGateway(config, logger, { clock: testClock().now });
  try {
    const slash64 = randomSlash64();
    const ask = (address: string) => postJson(gateway, '/auth/otp', { phoneNumber: randomPhone() }, { 'x-forwarded-for': address });
    assert.equal((await ask(`${slash64}::1`)).response.status, 202);
    assert.equal((await ask(`${slash64}:abcd::2`)).response.status, 202);
    const third = await ask(`${slash64}:ffff:ffff:ffff:ffff`);
    assert.equal(third.response.status, 429, 'the same /64: one customer');
    assert.match(String(third.body.detail), /from this address/);
    const neighbour = slash64.replace(/[0-9a-f]+$/, (last) => (parseInt(last, 16) ^ 1).toString(16));
    assert.equal((await ask(`${neighbour}::1`)).response.status, 202, 'the next /64 is someone else');
    const v4 = `198.51.100.${randomInt(1, 255)}`;
    assert.equal((await ask(v4)).response.status, 202);
    assert.equal((await ask(`::ffff:${v4}`)).response.status, 202, 'an IPv4-mapped address is the IPv4 address');
    assert.equal((await ask(v4)).response.status, 429);
  } finally {
    await gateway.close();
    await sms.close();
  }
});

test('codes sent per minute by all replicas together are capped (OTP_GLOBAL_PER_MINUTE)', async () => {
  const sms = await startSmsReceiver();
  const clock = testClock();
  const config = signInConfig(sms.url, { OTP_GLOBAL_PER_MINUTE: '3' });
  const replicas = [await startGateway(config, logger, { clock: clock.now }), await startGateway(config, logger, { clock: clock.now })];
  try {
    const ask = (replica: number) => requestOtp(replicas[replica]!, randomPhone());
    const statuses = [(await ask(0)).response.status, (await ask(1)).response.status, (await ask(0)).response.status];
    assert.deepEqual(statuses, [202, 202, 202]);
    const over = await ask(1);
    assert.equal(over.response.status, 429, 'the fourth code this minute, whichever replica is asked');
    assert.match(String(over.body.detail), /try again in a minute/);
    const retryAfter = Number(over.response.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
    assert.equal(sms.received.length, 3);
    clock.advance(60_000);
    assert.equal((await ask(1)).response.status, 202, 'a new minute, a new allowance');
  } finally {
    for (const replica of replicas) await replica.close();
    await sms.close();
  }
});

test('the voucher routes serve only numbers of the allowed regions, open or signed in', async () => {
  const sms = await startSmsReceiver();
  const open = await startGateway(testConfig(), logger);
  const wider = await startGateway(testConfig({ ALLOWED_REGIONS: 'VN,US' }), logger);
  const signedIn = await startGateway(signInConfig(sms.url), logger);
  try {
    const us = encodeURIComponent(US_NUMBER);
    const bought = await postVoucher(open, `?phoneNumber=${us}`);
    assert.equal(bought.response.status, 400, 'the reproduced +12025550100 got 202');
    assert.match(String(bought.body.detail), /must be a mobile number of VN/);
    assert.equal((await fetch(`${open.url}/voucher?phoneNumber=${us}`)).status, 400);
    assert.equal((await postJson(open, '/voucher', { phoneNumber: US_NUMBER })).response.status, 400);
    assert.notEqual((await postVoucher(wider, `?phoneNumber=${us}`)).response.status, 400, 'ALLOWED_REGIONS=VN,US serves it');

    const phone = randomPhone();
    const token = await signIn(signedIn, sms, phone, toE164(phone));
    const foreign = await postVoucher(signedIn, `?phoneNumber=${us}`, { headers: bearer(token) });
    assert.equal(foreign.response.status, 400);
  } finally {
    for (const gateway of [open, wider, signedIn]) await gateway.close();
    await sms.close();
  }
});

test('ALLOWED_REGIONS: DEFAULT_REGION alone unless set; ISO codes only', () => {
  const database = {
    DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/voucher',
    AUTH_REQUIRED: 'false',
    VOUCHER_SERVICE_TOKEN: 'gateway-test-voucher-service-token-0123456789',
  };
  assert.deepEqual(readConfig(database).ALLOWED_REGIONS, ['VN']);
  assert.deepEqual(readConfig({ ...database, DEFAULT_REGION: 'LA' }).ALLOWED_REGIONS, ['LA']);
  assert.deepEqual(readConfig({ ...database, ALLOWED_REGIONS: 'vn, la' }).ALLOWED_REGIONS, ['VN', 'LA']);
  assert.throws(
    () => readConfig({ ...database, ALLOWED_REGIONS: 'VN,XX' }),
    /ALLOWED_REGIONS must be a comma list of ISO 3166 region codes/,
  );
});
