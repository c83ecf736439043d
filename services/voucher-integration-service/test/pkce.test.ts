import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { challengesMatch, codeVerifierPattern, isWellFormedChallenge, transform } from '../src/pkce.ts';

describe('PKCE (RFC 7636)', () => {
  it('computes the S256 challenge of the RFC 7636 appendix B example', () => {
    assert.equal(transform('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk', 'S256'), 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });

  it('uses the verifier itself as the plain challenge', () => {
    const verifier = 'a'.repeat(43);
    assert.equal(transform(verifier, 'plain'), verifier);
  });

  it('accepts verifiers of 43 to 128 unreserved characters only', () => {
    const pattern = new RegExp(codeVerifierPattern);
    assert.ok(pattern.test('A-z0.9_~'.repeat(6)));
    assert.ok(pattern.test('x'.repeat(128)));
    assert.ok(!pattern.test('x'.repeat(42)));
    assert.ok(!pattern.test('x'.repeat(129)));
    assert.ok(!pattern.test(`${'x'.repeat(42)}+`));
    assert.ok(!pattern.test(`${'x'.repeat(42)}é`));
  });

  it('checks the shape of a challenge per method', () => {
    assert.ok(isWellFormedChallenge('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', 'S256'));
    assert.ok(!isWellFormedChallenge('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM=', 'S256'));
    assert.ok(!isWellFormedChallenge('x'.repeat(44), 'S256'));
    assert.ok(isWellFormedChallenge('x'.repeat(128), 'plain'));
    assert.ok(!isWellFormedChallenge('x'.repeat(42), 'plain'));
  });

  it('compares challenges exactly, whatever their lengths', () => {
    assert.ok(challengesMatch('abc', 'abc'));
    assert.ok(!challengesMatch('abc', 'abd'));
    assert.ok(!challengesMatch('abc', 'abcd'));
  });
});
