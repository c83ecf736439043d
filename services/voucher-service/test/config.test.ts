import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readConfig } from '../src/config.ts';

const database = { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/voucher' };
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
