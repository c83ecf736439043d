import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readConfig } from '../src/config.ts';

const TOKEN = 'voucher-service-token-of-the-gateway-0123456789';
const database = { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/voucher', VOUCHER_SERVICE_TOKEN: TOKEN };
const SECRET = 'voucher-service-cursor-secret-0123456789ab';

test('CURSOR_SECRET has no default: start-up refuses without it, unless LOCAL_DEMO=true', () => {
  assert.throws(() => readConfig(database), /CURSOR_SECRET is required/);
  assert.throws(() => readConfig({ ...database, LOCAL_DEMO: 'false' }), /CURSOR_SECRET is required/);
  assert.throws(() => readConfig({ ...database, CURSOR_SECRET: 'short' }), /CURSOR_SECRET must be at least 32 characters/);
  const demo = readConfig({ ...database, LOCAL_DEMO: 'true' });
  assert.ok(demo.CURSOR_SECRET.length >= 32, 'a random key for this process');
  assert.notEqual(readConfig({ ...database, LOCAL_DEMO: 'true' }).CURSOR_SECRET, demo.CURSOR_SECRET, 'never a fixed one');
  assert.equal(readConfig({ ...database, CURSOR_SECRET: SECRET }).CURSOR_SECRET, SECRET);
});

test('CURSOR_SECRET_PREVIOUS is read for rotations, and must be a different, long enough key', () => {
  const previous = 'voucher-service-previous-secret-0123456789';
  assert.equal(readConfig({ ...database, CURSOR_SECRET: SECRET }).CURSOR_SECRET_PREVIOUS, undefined);
  assert.equal(readConfig({ ...database, CURSOR_SECRET: SECRET, CURSOR_SECRET_PREVIOUS: previous }).CURSOR_SECRET_PREVIOUS, previous);
  assert.throws(
    () => readConfig({ ...database, CURSOR_SECRET: SECRET, CURSOR_SECRET_PREVIOUS: 'short' }),
    /CURSOR_SECRET_PREVIOUS must be at least 32 characters/,
  );
  assert.throws(() => readConfig({ ...database, CURSOR_SECRET: SECRET, CURSOR_SECRET_PREVIOUS: SECRET }), /CURSOR_SECRET_PREVIOUS/);
});

test('VOUCHER_SERVICE_TOKEN (the gateway’s credential) has no default: start-up refuses without it, unless LOCAL_DEMO=true', () => {
  const withoutToken = { DATABASE_URL: database.DATABASE_URL, CURSOR_SECRET: SECRET };
  assert.throws(() => readConfig(withoutToken), /VOUCHER_SERVICE_TOKEN is required/);
  assert.throws(
    () => readConfig({ ...withoutToken, VOUCHER_SERVICE_TOKEN: 'short' }),
    /VOUCHER_SERVICE_TOKEN must be at least 32 characters/,
  );
  assert.throws(
    () => readConfig({ ...withoutToken, VOUCHER_SERVICE_TOKEN: SECRET }),
    /VOUCHER_SERVICE_TOKEN must differ from CURSOR_SECRET/,
  );
  const demo = readConfig({ ...withoutToken, LOCAL_DEMO: 'true' });
  assert.ok(demo.VOUCHER_SERVICE_TOKEN.length >= 32, 'a random token for this process');
  assert.notEqual(
    readConfig({ ...withoutToken, LOCAL_DEMO: 'true' }).VOUCHER_SERVICE_TOKEN,
    demo.VOUCHER_SERVICE_TOKEN,
    'never a fixed one',
  );
  assert.equal(readConfig({ ...withoutToken, VOUCHER_SERVICE_TOKEN: TOKEN }).VOUCHER_SERVICE_TOKEN, TOKEN);
  const previous = 'voucher-service-previous-token-0123456789ab';
  assert.equal(
    readConfig({ ...database, CURSOR_SECRET: SECRET, VOUCHER_SERVICE_TOKEN_PREVIOUS: previous }).VOUCHER_SERVICE_TOKEN_PREVIOUS,
    previous,
  );
  assert.throws(
    () => readConfig({ ...database, CURSOR_SECRET: SECRET, VOUCHER_SERVICE_TOKEN_PREVIOUS: TOKEN }),
    /VOUCHER_SERVICE_TOKEN_PREVIOUS must differ/,
  );
});
