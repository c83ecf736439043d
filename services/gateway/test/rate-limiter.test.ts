import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FixedWindowRateLimiter } from '../src/http/rate-limiter.ts';

test('each address gets its own allowance per minute, and a new minute starts afresh', () => {
  let now = 60_000 * 1000 + 45_000; // 45 s into a minute
  const limiter = new FixedWindowRateLimiter(2, 60_000, () => now);
  assert.equal(limiter.hit('10.0.0.1'), undefined);
  assert.equal(limiter.hit('10.0.0.1'), undefined);
  assert.equal(limiter.hit('10.0.0.1'), 15, 'over the limit: wait until the minute ends');
  assert.equal(limiter.hit('10.0.0.2'), undefined, 'another address is not affected');
  now += 15_000;
  assert.equal(limiter.hit('10.0.0.1'), undefined);
});
