import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createMetrics } from '@voucher/platform/http';
import { createLogger } from '@voucher/platform/logging';
import { createIntegrationMetrics } from '../src/metrics.ts';
import { askVps } from '../src/vps/ask.ts';
import type { VpsAnswer, VpsFailure } from '../src/vps/vps-answer.ts';
import { phoneNumber } from './helpers/harness.ts';

const failed = (outcome: VpsFailure): VpsAnswer => ({ kind: 'error', outcome, reason: `VPS call failed: ${outcome}` });

/** Asks a VPS that answers the scripted attempts in turn, and returns what asking came to. */
async function ask(...attempts: VpsAnswer[]) {
  const answers = [...attempts];
  return askVps(
    {
      vps: { requestVoucher: async () => answers.shift()! },
      metrics: createIntegrationMetrics(createMetrics('ask-test')),
      logger: createLogger('test', 'silent'),
      callbackUrl: 'http://127.0.0.1:1/api/voucher-code/vps/response',
      maxAttempts: attempts.length,
      retryBaseMs: 1,
      retryMaxMs: 1,
      signal: new AbortController().signal,
    },
    { requestId: '5b0e7c1e-2c6f-4c52-9a55-0d1f7d0f9a10', phoneNumber, deadline: new Date() },
  );
}

describe('what asking the VPS came to, when every attempt failed', () => {
  it('is the VPS refusal when it refused last: its word covers the calls before (it is idempotent on requestId)', async () => {
    assert.equal((await ask(failed('timeout'), failed('refused'))).kind, 'error');
    assert.equal((await ask(failed('dropped'), failed('refused'), failed('error'))).kind, 'error');
  });

  it('is unanswered when the VPS only failed (5xx) or broke its contract after a call it may have taken', async () => {
    // A VPS in an outage answers 500 to everything, also about a code it issued for the call that timed out.
    assert.equal((await ask(failed('timeout'), failed('error'), failed('error'))).kind, 'unanswered');
    assert.equal((await ask(failed('dropped'), failed('invalid'))).kind, 'unanswered');
  });

  it('is the VPS error when it failed every call and none may have been taken', async () => {
    assert.deepEqual(await ask(failed('error'), failed('error')), { kind: 'error', outcome: 'error', reason: 'VPS call failed: error' });
  });

  it('is an error when the VPS was never reached: it never heard of the request', async () => {
    assert.equal((await ask(failed('unreachable'), failed('unreachable'))).kind, 'error');
  });

  it('is unanswered when a call may have reached the VPS and no answer came after it', async () => {
    assert.deepEqual(await ask(failed('error'), failed('timeout')), { kind: 'unanswered', reason: 'VPS call failed: timeout' });
    assert.equal((await ask(failed('dropped'), failed('unreachable'))).kind, 'unanswered', 'the VPS went away after taking it');
  });

  it('is the answer whenever one attempt brought one', async () => {
    const code: VpsAnswer = { kind: 'code', status: 'SUCCESS', voucherCode: 'VC-1' };
    assert.deepEqual(await ask(failed('timeout'), code), code);
  });
});
