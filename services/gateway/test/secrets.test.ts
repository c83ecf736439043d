import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import type { Database } from '@voucher/platform/database';
import { readConfig } from '../src/config.ts';
import { startGateway, type RunningGateway } from '../src/service.ts';
import { bearer, otpFromSms, postJson, requestOtp, signIn, signInConfig } from './support/auth-helpers.ts';
import { logger, openTestDatabase, randomPhone, toE164 } from './support/gateway-harness.ts';
import { startSmsReceiver } from './support/sms-receiver.ts';

const OLD_AUTH = 'old-token-signing-key-0123456789abcdefghijkl';
const NEW_AUTH = 'new-token-signing-key-0123456789abcdefghijkl';
const OLD_OTP = 'old-one-time-code-key-0123456789abcdefghijkl';
const NEW_OTP = 'new-one-time-code-key-0123456789abcdefghijkl';

const database = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/voucher',
  VOUCHER_SERVICE_TOKEN: 'gateway-test-voucher-service-token-0123456789',
};

test('every secret comes from the environment, one per purpose, and start-up refuses without them unless LOCAL_DEMO=true', () => {
  const signingItself = { ...database, AUTH_REQUIRED: 'true', AUTH_SECRET: NEW_AUTH };
  assert.throws(() => readConfig(signingItself), /OTP_SECRET is required when the gateway signs customers in/);
  assert.throws(() => readConfig({ ...signingItself, OTP_SECRET: NEW_AUTH }), /OTP_SECRET must differ from AUTH_SECRET/);
  assert.throws(() => readConfig({ ...signingItself, OTP_SECRET: 'short' }), /OTP_SECRET must be at least 32 characters/);
  assert.doesNotThrow(() => readConfig({ ...signingItself, OTP_SECRET: NEW_OTP }));
  // An open demo gateway without AUTH_SECRET signs nobody in and needs no OTP_SECRET; nor does one behind a provider.
  assert.doesNotThrow(() => readConfig({ ...database, AUTH_REQUIRED: 'false' }));
  const jwks = { AUTH_JWKS_URL: 'http://127.0.0.1:1/jwks', AUTH_ISSUER: 'https://id.test', AUTH_AUDIENCE: 'api' };
  assert.doesNotThrow(() => readConfig({ ...database, AUTH_REQUIRED: 'true', ...jwks }));

  const demo = readConfig({ ...database, AUTH_REQUIRED: 'true', LOCAL_DEMO: 'true' });
  assert.ok(demo.AUTH_SECRET && demo.AUTH_SECRET.length >= 32, 'a random token key for this process');
  assert.ok(demo.OTP_SECRET && demo.OTP_SECRET.length >= 32, 'a random code key for this process');
  assert.notEqual(demo.AUTH_SECRET, demo.OTP_SECRET);
  assert.notEqual(readConfig({ ...database, AUTH_REQUIRED: 'true', LOCAL_DEMO: 'true' }).AUTH_SECRET, demo.AUTH_SECRET, 'never fixed');
  assert.equal(readConfig({ ...signingItself, OTP_SECRET: NEW_OTP, LOCAL_DEMO: 'true' }).AUTH_SECRET, NEW_AUTH, 'a given key is kept');
  assert.equal(readConfig({ ...database, AUTH_REQUIRED: 'false', LOCAL_DEMO: 'true' }).AUTH_SECRET, undefined, 'sign-in stays off');
});

test('VOUCHER_SERVICE_TOKEN (the credential voucher-service wants) is required and long enough; LOCAL_DEMO makes a random one', () => {
  const { VOUCHER_SERVICE_TOKEN: _given, ...withoutToken } = { ...database, AUTH_REQUIRED: 'false' };
  assert.throws(() => readConfig(withoutToken), /VOUCHER_SERVICE_TOKEN is required/);
  assert.throws(
    () => readConfig({ ...withoutToken, VOUCHER_SERVICE_TOKEN: 'short' }),
    /VOUCHER_SERVICE_TOKEN must be at least 32 characters/,
  );
  assert.ok(readConfig({ ...withoutToken, LOCAL_DEMO: 'true' }).VOUCHER_SERVICE_TOKEN.length >= 32);
  assert.equal(readConfig({ ...database, AUTH_REQUIRED: 'false' }).VOUCHER_SERVICE_TOKEN, database.VOUCHER_SERVICE_TOKEN);
});

test('a previous key must be long enough and really another key', () => {
  const base = { ...database, AUTH_REQUIRED: 'true', AUTH_SECRET: NEW_AUTH, OTP_SECRET: NEW_OTP };
  assert.throws(() => readConfig({ ...base, AUTH_SECRET_PREVIOUS: 'short' }), /AUTH_SECRET_PREVIOUS must be at least 32 characters/);
  assert.throws(() => readConfig({ ...base, AUTH_SECRET_PREVIOUS: NEW_AUTH }), /AUTH_SECRET_PREVIOUS must differ from AUTH_SECRET/);
  assert.throws(() => readConfig({ ...base, OTP_SECRET_PREVIOUS: 'short' }), /OTP_SECRET_PREVIOUS must be at least 32 characters/);
  assert.throws(() => readConfig({ ...base, OTP_SECRET_PREVIOUS: NEW_OTP }), /OTP_SECRET_PREVIOUS must differ from OTP_SECRET/);
  const rotating = readConfig({ ...base, AUTH_SECRET_PREVIOUS: OLD_AUTH, OTP_SECRET_PREVIOUS: OLD_OTP });
  assert.equal(rotating.AUTH_SECRET_PREVIOUS, OLD_AUTH);
  assert.equal(rotating.OTP_SECRET_PREVIOUS, OLD_OTP);
});

/**
 * A rolling rotation: replicas still on the old keys, replicas on the new keys that accept the old ones
 * (`*_PREVIOUS`), and replicas that have dropped the old keys, all on one database.
 */
describe('rotating AUTH_SECRET and OTP_SECRET', () => {
  let sms: Awaited<ReturnType<typeof startSmsReceiver>>;
  let db: Database;
  const gateways: Record<string, RunningGateway> = {};

  before(async () => {
    sms = await startSmsReceiver();
    const keys: Record<string, Record<string, string>> = {
      old: { AUTH_SECRET: OLD_AUTH, OTP_SECRET: OLD_OTP },
      rotating: { AUTH_SECRET: NEW_AUTH, AUTH_SECRET_PREVIOUS: OLD_AUTH, OTP_SECRET: NEW_OTP, OTP_SECRET_PREVIOUS: OLD_OTP },
      rotated: { AUTH_SECRET: NEW_AUTH, OTP_SECRET: NEW_OTP },
      // The old token key with the new code key: shows which key the codes are hashed with.
      otpOnly: { AUTH_SECRET: OLD_AUTH, OTP_SECRET: NEW_OTP },
    };
    // Replicas: one database schema for all of them.
    const shared = signInConfig(sms.url);
    const schema = { DATABASE_SCHEMA: String(shared.DATABASE_SCHEMA) };
    for (const [name, env] of Object.entries(keys))
      gateways[name] = await startGateway(signInConfig(sms.url, { ...env, ...schema }), logger);
    db = await openTestDatabase(shared);
  });
  after(async () => {
    for (const gateway of Object.values(gateways)) await gateway.close();
    await db.close();
    await sms.close();
  });

  /** 404 means the token was accepted (the request id is unknown); 401 that it was not. */
  const statusWith = async (gateway: RunningGateway, token: string) =>
    (await fetch(`${gateway.url}/voucher/requests/${randomUUID()}`, { headers: bearer(token) })).status;

  /** Asks `issuer` for a code and tries it at `verifier`. */
  async function codeAcross(issuer: RunningGateway, verifier: RunningGateway) {
    const phone = randomPhone();
    const sentBefore = sms.to(toE164(phone)).length;
    assert.equal((await requestOtp(issuer, phone)).response.status, 202);
    const otp = await otpFromSms(sms, toE164(phone), sentBefore);
    return (await postJson(verifier, '/auth/token', { phoneNumber: phone, otp })).response.status;
  }

  test('tokens signed with the previous key still verify; new ones are signed with the current key', async () => {
    const phone = randomPhone();
    const oldToken = await signIn(gateways.old!, sms, phone, toE164(phone));
    assert.equal(await statusWith(gateways.rotating!, oldToken), 404, 'accepted during the rotation');
    assert.equal(await statusWith(gateways.rotated!, oldToken), 401, 'refused once the previous key is dropped');

    const newToken = await signIn(gateways.rotating!, sms, phone, toE164(phone));
    assert.equal(await statusWith(gateways.rotated!, newToken), 404, 'made with the current key');
    assert.equal(await statusWith(gateways.old!, newToken), 401, 'not with the previous one');
  });

  test('codes hashed with the previous OTP key still match; new ones are hashed with the current key', async () => {
    assert.equal(await codeAcross(gateways.old!, gateways.rotating!), 200, 'a code sent just before the rotation still works');
    assert.equal(await codeAcross(gateways.rotating!, gateways.rotated!), 200, 'made with the current key');
    assert.equal(await codeAcross(gateways.old!, gateways.rotated!), 401, 'refused once the previous key is dropped');
  });

  test('codes are keyed by OTP_SECRET, not by the token key', async () => {
    assert.equal(await codeAcross(gateways.old!, gateways.otpOnly!), 401, 'same AUTH_SECRET, other OTP_SECRET: no match');
    const phone = randomPhone();
    const e164 = toE164(phone);
    await requestOtp(gateways.rotated!, phone);
    const otp = await otpFromSms(sms, e164, 0);
    const [row] = await db.query<{ code_hash: Uint8Array }>('SELECT code_hash FROM otp_codes WHERE phone_number = $1', [e164]);
    const hmac = (key: string) => createHmac('sha256', key).update(`${e164}:${otp}`).digest();
    assert.deepEqual(Buffer.from(row!.code_hash), hmac(NEW_OTP));
    assert.notDeepEqual(Buffer.from(row!.code_hash), hmac(NEW_AUTH));
  });
});
