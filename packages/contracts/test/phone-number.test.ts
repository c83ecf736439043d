import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { normalizePhoneNumber } from '../src/phone-number.ts';

const E164 = /^\+[1-9][0-9]{6,14}$/;

/** Every result is one of the two documented shapes; a refusal says why in a sentence about phoneNumber. */
function assertWellFormed(input: unknown, region = 'VN') {
  const result = normalizePhoneNumber(input, region);
  if (result.ok) {
    assert.match(result.e164, E164, `${JSON.stringify(input)} gave ${result.e164}`);
    assert.equal(typeof result.region, 'string');
  } else {
    assert.match(result.reason, /^phoneNumber /, `${JSON.stringify(input)} gave "${result.reason}"`);
  }
  return result;
}

test('national and E.164 forms name the same customer, and the region comes with the number', () => {
  assert.deepEqual(normalizePhoneNumber('0909123456', 'VN'), { ok: true, e164: '+84909123456', region: 'VN' });
  assert.deepEqual(normalizePhoneNumber('+84909123456', 'VN'), { ok: true, e164: '+84909123456', region: 'VN' });
  assert.deepEqual(
    normalizePhoneNumber(' 84909123456', 'VN'),
    { ok: true, e164: '+84909123456', region: 'VN' },
    'an unencoded + in a query',
  );
  // Which regions a service serves is its own rule (the gateway's ALLOWED_REGIONS); the contract names the region.
  assert.deepEqual(normalizePhoneNumber('+12025550100', 'VN'), { ok: true, e164: '+12025550100', region: 'US' });
  assert.deepEqual(normalizePhoneNumber('+447400123456', 'VN'), { ok: true, e164: '+447400123456', region: 'GB' });
  assert.deepEqual(normalizePhoneNumber('+842431234567', 'VN'), { ok: false, reason: 'phoneNumber is not a mobile number' });
});

test('control and format characters, and digits other than 0-9, are refused before normalising, with the reason', () => {
  const formatting = 'phoneNumber contains control or formatting characters';
  const digits = 'phoneNumber may only use the digits 0-9';
  const cases: Array<[string, string, string]> = [
    ['fullwidth digits', '\uFF10\uFF19\uFF10\uFF19\uFF11\uFF12\uFF13\uFF14\uFF15\uFF16', digits],
    ['Arabic-Indic digits', '\u0660\u0669\u0660\u0669\u0661\u0662\u0663\u0664\u0665\u0666', digits],
    ['a leading right-to-left override', '\u202E0909123456', formatting],
    ['an embedded zero-width space', '0909\u200B123456', formatting],
    ['a byte-order mark', '\uFEFF+84909123456', formatting],
    ['a trailing newline', '0909123456\n', formatting],
    ['a NUL', '0909123456\u0000', formatting],
    ['a soft hyphen', '0909\u00AD123456', formatting],
  ];
  for (const [what, input, reason] of cases) assert.deepEqual(normalizePhoneNumber(input, 'VN'), { ok: false, reason }, what);
});

test('property: any string gives a valid E.164 number or a refusal, never a throw', () => {
  const anyText = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.string({ unit: 'grapheme', maxLength: 40 }),
    // Mostly digits, so that many inputs get past the first checks and reach the parser.
    fc.string({ unit: fc.constantFrom(...'0123456789+ -().'), maxLength: 20 }),
  );
  fc.assert(
    fc.property(anyText, fc.constantFrom('VN', 'US', 'GB', 'XX', ''), (input, region) => void assertWellFormed(input, region)),
    {
      numRuns: 2_000,
    },
  );
  fc.assert(fc.property(fc.anything(), (input) => void assertWellFormed(input)));
});

test('property: a character that is a control, format or non-ASCII digit anywhere refuses the number', () => {
  const forbidden = fc.oneof(
    fc.integer({ min: 0, max: 0x1f }),
    fc.integer({ min: 0x7f, max: 0x9f }),
    fc.constantFrom(0xad, 0x600, 0x61c, 0x200b, 0x200e, 0x200f, 0x202a, 0x202e, 0x2066, 0x2069, 0xfeff, 0xe0001),
    fc.integer({ min: 0xff10, max: 0xff19 }), // fullwidth digits
    fc.integer({ min: 0x660, max: 0x669 }), // Arabic-Indic digits
    fc.integer({ min: 0x966, max: 0x96f }), // Devanagari digits
  );
  const valid = fc.constantFrom('0909123456', '+84909123456', '0912 345 678');
  fc.assert(
    fc.property(valid, forbidden, fc.nat(), (number, codePoint, at) => {
      const position = at % (number.length + 1);
      const input = number.slice(0, position) + String.fromCodePoint(codePoint) + number.slice(position);
      const result = normalizePhoneNumber(input, 'VN');
      assert.equal(result.ok, false, JSON.stringify(input));
    }),
  );
});

/** Vietnamese mobile numbers in either form, with the separators people type. */
const vietnameseMobile = fc
  .tuple(
    fc.constantFrom('90', '91', '93', '94', '96', '97', '98', '86', '88', '89', '70', '76', '77', '78', '79', '32', '33', '35', '39'),
    fc.stringMatching(/^[0-9]{7}$/),
  )
  .map(([prefix, subscriber]) => `${prefix}${subscriber}`);

test('property: normalising a valid E.164 number again is the identity, and both forms agree', () => {
  let accepted = 0;
  fc.assert(
    fc.property(vietnameseMobile, fc.constantFrom('', ' ', '-', '.'), (digits, separator) => {
      const national = `0${digits.slice(0, 3)}${separator}${digits.slice(3, 6)}${separator}${digits.slice(6)}`;
      const first = normalizePhoneNumber(national, 'VN');
      if (!first.ok) return;
      accepted++;
      assert.deepEqual(normalizePhoneNumber(first.e164, 'VN'), first);
      assert.deepEqual(normalizePhoneNumber(first.e164, 'US'), first, 'an E.164 number does not depend on the default region');
      assert.deepEqual(normalizePhoneNumber(`+84${digits}`, 'VN'), first);
    }),
    { numRuns: 500 },
  );
  assert.ok(accepted > 250, `only ${accepted} of 500 generated numbers were valid: the generator is too weak`);
  fc.assert(
    fc.property(fc.string({ unit: fc.constantFrom(...'0123456789+ '), maxLength: 18 }), (input) => {
      const first = normalizePhoneNumber(input, 'VN');
      if (first.ok) assert.deepEqual(normalizePhoneNumber(first.e164, 'VN'), first);
    }),
    { numRuns: 2_000 },
  );
});
