import { setTimeout as sleep } from 'node:timers/promises';
import { backoffDelay } from '@voucher/platform/lifecycle';
import type { Logger } from '@voucher/platform/logging';
import type { IntegrationMetrics } from '../metrics.ts';
import type { RequestFacts } from '../outcomes.ts';
import type { VpsAnswer, VpsFailure } from './vps-answer.ts';
import type { VpsClient } from './vps-client.ts';

export interface AskDeps {
  vps: Pick<VpsClient, 'requestVoucher'>;
  metrics: IntegrationMetrics;
  logger: Logger;
  callbackUrl: string;
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** Aborted at shutdown: a wait before a retry gives up (the sleep rejects). */
  signal: AbortSignal;
}

/**
 * What asking came to: the VPS's last answer, or `unanswered` when the attempts ran out while the VPS may have taken a
 * call without our hearing its answer (it timed out or was cut off after it was sent, and no later refusal spoke for
 * it). An unanswered request may hold a code at the VPS: it is asked about again, never failed at once.
 */
export type AskResult = VpsAnswer | { kind: 'unanswered'; reason: string };

/** Failures after which the VPS may hold a code for the call. */
const mayHaveTaken = new Set<VpsFailure>(['timeout', 'dropped']);

/**
 * Calls the VPS under the request's own requestId until it answers with a code or a challenge, or the attempts run out.
 * The VPS treats the requestId idempotently, so asking again never orders a second code: a pending request gets its
 * challenge again, one whose code is ready gets the code.
 */
export async function askVps(deps: AskDeps, request: RequestFacts): Promise<AskResult> {
  let unanswered = false;
  for (let attempt = 1; ; attempt++) {
    const answer = await callVps(deps, request);
    if (answer.kind !== 'error') return answer;
    if (mayHaveTaken.has(answer.outcome)) unanswered = true;
    // Only a refusal of the request itself speaks for every earlier call (the VPS is idempotent on requestId, so it
    // would have answered a code it held). A 5xx does not: a VPS in an outage answers 500 to everything, also about a
    // code it issued for a call whose answer we never heard (chaos seed 939410 lost one that way).
    else if (answer.outcome === 'refused') unanswered = false;
    if (attempt >= deps.maxAttempts) return unanswered ? { kind: 'unanswered', reason: answer.reason } : answer;
    const delayMs = backoffDelay(attempt, deps.retryBaseMs, deps.retryMaxMs);
    deps.logger.warn({ requestId: request.requestId, attempt, reason: answer.reason, delayMs }, 'VPS call failed; retrying');
    await sleep(delayMs, undefined, { signal: deps.signal });
  }
}

async function callVps(deps: AskDeps, request: RequestFacts): Promise<VpsAnswer> {
  deps.metrics.vpsCallsInFlight.inc();
  const timer = deps.metrics.vpsCallDuration.startTimer();
  try {
    const body = { phoneNumber: request.phoneNumber, callbackUrl: deps.callbackUrl, requestId: request.requestId };
    const answer = await deps.vps.requestVoucher(body);
    const outcome = answer.kind === 'error' ? answer.outcome : answer.kind;
    timer({ outcome });
    deps.metrics.vpsCalls.inc({ outcome });
    return answer;
  } finally {
    deps.metrics.vpsCallsInFlight.dec();
  }
}
