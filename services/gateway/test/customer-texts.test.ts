import { test } from 'node:test';
import assert from 'node:assert/strict';
import { customerTexts } from '../src/customer-texts.ts';
import { readConfig } from '../src/config.ts';

test("at the default deadline the answer to a purchase is the seed's words; another deadline is told as it is", () => {
  const defaults = readConfig({ LOCAL_DEMO: 'true', DATABASE_URL: 'postgres://127.0.0.1:5432/unused' });
  assert.equal(defaults.WEB_DEADLINE_MS, 30_000);
  assert.equal(customerTexts.processing(defaults.WEB_DEADLINE_MS), 'Your request is being processed within 30 seconds');
  assert.equal(customerTexts.processing(45_000), 'Your request is being processed within 45 seconds');
});

test('the outcome SMS carries the message and the code, or says the code could not be issued', () => {
  assert.equal(customerTexts.outcomeSms({ message: 'Thank you.', voucherCode: 'VC-1' }), 'Thank you. Your voucher code: VC-1');
  assert.equal(customerTexts.outcomeSms({ message: null, voucherCode: null }), customerTexts.failed);
  assert.equal(customerTexts.outcomeSms({ message: 'The provider refused.', voucherCode: null }), 'The provider refused.');
});
