import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CursorCodec } from '../src/listing/cursor.ts';

const codec = new CursorCodec('unit-test-cursor-secret-0123456789abcdef');
const phone = '+84909123456';
const position = { issuedAt: '2026-05-06T07:08:09.123Z', requestId: '5b0c6f0e-8f7a-4c71-9a3e-2f1d0c9b8a76' };

test('a cursor round-trips to the position it was made from, and says nothing readable about the phone number', () => {
  const cursor = codec.encode(phone, position);
  assert.deepEqual(codec.decode(phone, cursor), { ok: true, position });
  assert.match(cursor, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
  assert.ok(!Buffer.from(cursor.split('.')[0]!, 'base64url').toString().includes(phone));
});

test('a cursor with an edited position is refused', () => {
  const [, signature] = codec.encode(phone, position).split('.');
  const forged = Buffer.from(`2030-01-01T00:00:00.000Z|${position.requestId}`).toString('base64url');
  assert.deepEqual(codec.decode(phone, `${forged}.${signature}`), { ok: false, reason: 'cursor was not issued for this listing' });
});

test('a cursor with an edited signature is refused', () => {
  const cursor = codec.encode(phone, position);
  const flipped = cursor.slice(0, -2) + (cursor.endsWith('AA') ? 'BB' : 'AA');
  assert.equal(codec.decode(phone, flipped).ok, false);
});

test('a cursor made for another phone number or under another key is refused', () => {
  const cursor = codec.encode(phone, position);
  assert.equal(codec.decode('+84909123457', cursor).ok, false);
  assert.equal(new CursorCodec('another-cursor-secret-0123456789abcdefgh').decode(phone, cursor).ok, false);
});

test('malformed cursors are refused without throwing', () => {
  for (const cursor of ['', 'abc', 'a.b.c', '!!!.???', 'abc.', '.abc', 'a b.c d']) {
    assert.deepEqual(codec.decode(phone, cursor), { ok: false, reason: 'cursor is malformed' }, cursor);
  }
});
