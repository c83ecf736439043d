import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { interpretVpsAnswer } from '../src/vps/vps-answer.ts';

const challenge = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

describe('reading a VPS answer', () => {
  it('takes a 200 with status SUCCESS and a code as the code', () => {
    assert.deepEqual(interpretVpsAnswer(200, { status: 'SUCCESS', voucherCode: 'VC-1', message: 'ok' }), {
      kind: 'code',
      status: 'SUCCESS',
      voucherCode: 'VC-1',
    });
  });

  it('takes a 200 with status LATE_SUCCESS as the code, late (the answer to a re-ask after the callback time)', () => {
    assert.deepEqual(interpretVpsAnswer(200, { status: 'LATE_SUCCESS', voucherCode: 'VC-1', message: 'late' }), {
      kind: 'code',
      status: 'LATE_SUCCESS',
      voucherCode: 'VC-1',
    });
  });

  it('takes a 202 with a well-formed challenge and method as an acknowledgement', () => {
    assert.deepEqual(interpretVpsAnswer(202, { codeChallenge: challenge, transformMethod: 'S256' }), {
      kind: 'challenge',
      codeChallenge: challenge,
      transformMethod: 'S256',
    });
  });

  it('calls everything outside the contract an error', () => {
    const invalid: Array<[number, unknown]> = [
      [200, undefined],
      [200, []],
      [200, { status: 'PENDING', voucherCode: 'VC-1' }],
      [200, { status: 'SUCCESS' }],
      [200, { status: 'SUCCESS', voucherCode: '' }],
      [200, { status: 'SUCCESS', voucherCode: 'x'.repeat(129) }],
      [200, { status: 'SUCCESS', voucherCode: 'has space' }],
      [202, { codeChallenge: challenge }],
      [202, { codeChallenge: challenge, transformMethod: 'MD5' }],
      [202, { codeChallenge: 'short', transformMethod: 'S256' }],
      [202, { codeChallenge: 'x'.repeat(129), transformMethod: 'plain' }],
    ];
    for (const [status, body] of invalid) {
      const answer = interpretVpsAnswer(status, body);
      assert.equal(answer.kind, 'error', JSON.stringify(body));
      assert.equal(answer.kind === 'error' && answer.outcome, 'invalid');
    }
    for (const status of [201, 204, 408, 429, 500, 503]) {
      assert.deepEqual(interpretVpsAnswer(status, {}), { kind: 'error', outcome: 'error', reason: `VPS answered ${status}` });
    }
    // A refusal of the request itself, which (the VPS being idempotent on requestId) says it holds no code for it.
    for (const status of [400, 404, 409, 422]) {
      assert.deepEqual(interpretVpsAnswer(status, {}), { kind: 'error', outcome: 'refused', reason: `VPS answered ${status}` });
    }
  });
});
