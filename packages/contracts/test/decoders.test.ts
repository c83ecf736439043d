import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeReceiveCode, decodeRequestCode, type ReceiveCodeMessage, type RequestCodeMessage } from '../src/index.ts';

const bytesOf = (value: unknown) => Buffer.from(JSON.stringify(value));

/** The only two shapes a decoder answers with. */
function assertDecoded(result: { ok: true; value: unknown } | { ok: false; reason: string }) {
  if (!result.ok) {
    assert.equal(typeof result.reason, 'string');
    assert.ok(result.reason.length > 0);
  }
}

// RFC 3339 in UTC with milliseconds, as every producer writes it; four-digit years only.
const timestamp = fc.date({ min: new Date('2000-01-01T00:00:00.000Z'), max: new Date('2999-12-31T23:59:59.999Z'), noInvalidDate: true });
const e164 = fc.stringMatching(/^\+[1-9][0-9]{6,14}$/);
const voucherCode = fc.stringMatching(/^[\x21-\x7e]{1,128}$/);

const requestCode: fc.Arbitrary<RequestCodeMessage> = fc
  .record({ requestId: fc.uuid(), phoneNumber: e164, requestedAt: timestamp, waitMs: fc.nat({ max: 86_400_000 }) })
  .map(({ requestId, phoneNumber, requestedAt, waitMs }) => ({
    requestId,
    phoneNumber,
    requestedAt: requestedAt.toISOString(),
    deadline: new Date(requestedAt.getTime() + waitMs).toISOString(),
  }));

const receiveCode: fc.Arbitrary<ReceiveCodeMessage> = fc
  .record({
    requestId: fc.uuid(),
    phoneNumber: e164,
    status: fc.constantFrom('SUCCESS', 'LATE_SUCCESS', 'FAILED') as fc.Arbitrary<ReceiveCodeMessage['status']>,
    channel: fc.constantFrom('WEB', 'SMS') as fc.Arbitrary<ReceiveCodeMessage['channel']>,
    voucherCode,
    message: fc.string({ unit: 'binary', maxLength: 500 }),
    issuedAt: timestamp.map((date) => date.toISOString()),
  })
  .map(({ voucherCode: code, ...message }) => (message.status === 'FAILED' ? message : { ...message, voucherCode: code }));

test('property: any bytes decode to ok or a reason, never a throw', () => {
  const anyBytes = fc.oneof(
    fc.uint8Array({ maxLength: 2_000 }).map((bytes) => Buffer.from(bytes)),
    fc.jsonValue().map(bytesOf),
    fc.oneof(requestCode, receiveCode).chain((valid) =>
      // A valid message with one field replaced by anything JSON can hold.
      fc
        .tuple(fc.constantFrom(...Object.keys(valid), 'extra', '__proto__'), fc.jsonValue())
        .map(([key, value]) => bytesOf({ ...valid, [key]: value })),
    ),
  );
  fc.assert(
    fc.property(anyBytes, (bytes) => {
      assertDecoded(decodeRequestCode(bytes));
      assertDecoded(decodeReceiveCode(bytes));
    }),
    { numRuns: 2_000 },
  );
});

test('property: encoding then decoding a valid request-code message is the identity', () => {
  fc.assert(
    fc.property(requestCode, (message) => {
      assert.deepEqual(decodeRequestCode(bytesOf(message)), { ok: true, value: message });
    }),
    { numRuns: 500 },
  );
});

test('property: encoding then decoding a valid receive-code message is the identity', () => {
  fc.assert(
    fc.property(receiveCode, (message) => {
      assert.deepEqual(decodeReceiveCode(bytesOf(message)), { ok: true, value: message });
    }),
    { numRuns: 500 },
  );
});

test('voucherCode is printable ASCII without spaces, 1 to 128 characters, as the callback route accepts', () => {
  const base: ReceiveCodeMessage = {
    requestId: '0b6f2f7e-6a53-4f43-9a0e-3d1f0c4b8a11',
    phoneNumber: '+84909123456',
    status: 'SUCCESS',
    channel: 'WEB',
    voucherCode: 'VC-OK',
    message: 'Thank you for using our services, your voucher code is ready.',
    issuedAt: '2026-11-30T08:04:52.048Z',
  };
  assert.equal(decodeReceiveCode(bytesOf(base)).ok, true);
  assert.equal(decodeReceiveCode(bytesOf({ ...base, voucherCode: '!'.repeat(128) })).ok, true);
  for (const code of ['', 'VC 1', 'VC-\u00e9', 'VC-\u0000', 'VC-\n', 'VC-\u202e1', 'A'.repeat(129), 'VC-\u{1F600}']) {
    const decoded = decodeReceiveCode(bytesOf({ ...base, voucherCode: code }));
    assert.equal(decoded.ok, false, JSON.stringify(code));
  }
  fc.assert(
    fc.property(
      fc.string({ unit: 'binary', minLength: 1, maxLength: 128 }).filter((code) => !/^[\x21-\x7e]+$/.test(code)),
      (code) => {
        assert.equal(decodeReceiveCode(bytesOf({ ...base, voucherCode: code })).ok, false, JSON.stringify(code));
      },
    ),
  );
});
