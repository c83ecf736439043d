import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
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

const CURRENT = 'current-cursor-secret-0123456789abcdefghij';
const PREVIOUS = 'previous-cursor-secret-0123456789abcdefghi';

test('during a rotation, cursors signed with the previous key still decode, and new ones use the current key', () => {
  const before = new CursorCodec(PREVIOUS);
  const during = new CursorCodec(CURRENT, PREVIOUS);
  const after = new CursorCodec(CURRENT);
  const old = before.encode(phone, position);
  assert.deepEqual(during.decode(phone, old), { ok: true, position }, 'a page opened before the rotation continues');
  const fresh = during.encode(phone, position);
  assert.deepEqual(after.decode(phone, fresh), { ok: true, position }, 'made with the current key');
  assert.equal(before.decode(phone, fresh).ok, false, 'not with the previous one');
  assert.equal(after.decode(phone, old).ok, false, 'once the previous key is dropped, its cursors are refused');
  assert.equal(during.decode('+84909123457', old).ok, false, 'still bound to the number');
});

const positions = fc
  .tuple(fc.date({ min: new Date('2000-01-01T00:00:00.000Z'), max: new Date('2999-12-31T23:59:59.999Z'), noInvalidDate: true }), fc.uuid())
  .map(([date, requestId]) => ({ issuedAt: date.toISOString(), requestId }));
const phones = fc.stringMatching(/^\+[1-9][0-9]{6,14}$/);

test('property: encode then decode is the identity, with or without a previous key', () => {
  const rotating = new CursorCodec(CURRENT, PREVIOUS);
  fc.assert(
    fc.property(phones, positions, (number, at) => {
      assert.deepEqual(codec.decode(number, codec.encode(number, at)), { ok: true, position: at });
      assert.deepEqual(rotating.decode(number, rotating.encode(number, at)), { ok: true, position: at });
    }),
    { numRuns: 500 },
  );
});

test('property: a cursor changed in any one character, or cut, or grown, is refused', () => {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.';
  fc.assert(
    fc.property(phones, positions, fc.nat(), fc.constantFrom(...alphabet), (number, at, index, replacement) => {
      const cursor = new CursorCodec(CURRENT, PREVIOUS).encode(number, at);
      const i = index % cursor.length;
      fc.pre(cursor[i] !== replacement);
      const edited = cursor.slice(0, i) + replacement + cursor.slice(i + 1);
      assert.equal(codec.decode(number, edited).ok, false, `edited at ${i}`);
      assert.equal(new CursorCodec(CURRENT, PREVIOUS).decode(number, edited).ok, false, `edited at ${i}`);
      assert.equal(new CursorCodec(CURRENT, PREVIOUS).decode(number, cursor.slice(0, i)).ok, false, 'cut');
      assert.equal(new CursorCodec(CURRENT, PREVIOUS).decode(number, cursor + replacement).ok, false, 'grown');
    }),
    { numRuns: 1_000 },
  );
});

test('property: any string is refused without throwing', () => {
  const rotating = new CursorCodec(CURRENT, PREVIOUS);
  fc.assert(
    fc.property(
      fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), fc.stringMatching(/^[A-Za-z0-9_-]{0,80}\.[A-Za-z0-9_-]{0,60}$/)),
      (text) => {
        const result = rotating.decode(phone, text);
        assert.equal(result.ok, false);
        assert.match(result.ok ? '' : result.reason, /^cursor /);
      },
    ),
    { numRuns: 2_000 },
  );
});

test('a signature or payload in a non-canonical base64url spelling (the same bytes) is refused', () => {
  const cursor = codec.encode(phone, position);
  const [payload, signature] = cursor.split('.') as [string, string];
  // 32 bytes are 43 base64url characters whose last one carries 4 bits: its 2 low bits are free to differ.
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const last = alphabet.indexOf(signature.at(-1)!);
  const twin = `${signature.slice(0, -1)}${alphabet[last ^ 1]}`;
  assert.deepEqual(Buffer.from(twin, 'base64url'), Buffer.from(signature, 'base64url'), 'the same signature bytes');
  assert.equal(codec.decode(phone, `${payload}.${twin}`).ok, false);
});
