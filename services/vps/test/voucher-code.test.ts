import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateVoucherCode } from '../src/vouchers/voucher-code.ts';
import { CODE_FORMAT } from './helpers.ts';

test('codes drawn across several refills of the entropy pool are well formed and never repeat', () => {
  // 256 codes per refill: 2,000 codes use the pool eight times over, so a byte used twice would show as a repeat.
  const codes = Array.from({ length: 2_000 }, () => generateVoucherCode());
  for (const code of codes) assert.match(code, CODE_FORMAT);
  assert.equal(new Set(codes).size, codes.length);
  // Every symbol turns up: the bytes are random, not a constant slice of a buffer that was never refilled.
  assert.equal(new Set(codes.join('').replaceAll('-', '')).size, 32);
});
