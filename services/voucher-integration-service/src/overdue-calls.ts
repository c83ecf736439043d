import { startPeriodicTask } from '@voucher/platform/lifecycle';
import type { Logger } from '@voucher/platform/logging';
import { signatureToleranceMs } from './callback-signature.ts';
import type { IntegrationMetrics } from './metrics.ts';
import type { RequestFacts } from './outcomes.ts';
import type { ReaskedCode, RequestStore } from './store/request-store.ts';
import { askVps, type AskDeps, type AskResult } from './vps/ask.ts';

export interface OverdueCallsOptions {
  store: RequestStore;
  metrics: IntegrationMetrics;
  logger: Logger;
  intervalMs: number;
  batchSize: number;
  retentionMs: number;
  /**
   * How the sweep calls the VPS (about an expired challenge, or to finish an abandoned call): the same call, retries
   * and requestId as the first call.
   */
  calls: Omit<AskDeps, 'metrics' | 'logger' | 'signal'> & {
    /** How long a challenge waits for its callback, again, after a re-ask that brought no code. */
    challengeTtlMs: number;
    /** Re-asks of one challenge before its request ends FAILED. */
    maxReasks: number;
    /**
     * How long one call (with its retries) may take: a re-asked row is left alone this long, and a request whose call
     * has been outstanding for longer has no live handler and is finished by the sweep.
     */
    leaseMs: number;
    /**
     * How long after a request's deadline a call the VPS may have taken without answering (timeouts, broken
     * connections) is asked about again, once per lease; then the request ends FAILED, to be reconciled with the VPS.
     */
    unansweredWindowMs: number;
  };
}

/**
 * Periodically deals with challenges whose callback did not come in time: each is first asked about again under its
 * requestId (the VPS answers the code if it has it, or the same challenge while it is still working); a code settles
 * the request (channel by the deadline rule, as always), anything else (the challenge, or a VPS that failed every
 * attempt) waits another `challengeTtlMs` for the callback. Once `maxReasks` re-asks brought no code, the request
 * ends FAILED (once). It also finishes calls to the VPS that their handlers abandoned, and forgets requests settled
 * longer ago than the retention. Each run does at most one batch of each; a full batch brings the next run forward.
 * Runs never overlap; close() ends a call's retries and waits for the current run (a call cut short is made again by
 * a later sweep).
 */
export function startOverdueCalls(options: OverdueCallsOptions): { close(): Promise<void> } {
  const shutdown = new AbortController();
  const task = startPeriodicTask(
    'challenge sweep',
    options.intervalMs,
    () => sweepOnce(options, new Date(), shutdown.signal),
    options.logger,
  );
  return {
    async close() {
      shutdown.abort();
      await task.close();
    },
  };
}

/**
 * One sweep; true when a batch was full (more work is waiting). Each step runs even when an earlier one failed (one
 * failing statement must not keep abandoned calls from being finished); the first failure is thrown at the end.
 * Outcomes are recorded with their receive-code records in the outbox: nothing here waits on the broker.
 */
export async function sweepOnce(options: OverdueCallsOptions, now: Date, signal = new AbortController().signal): Promise<boolean> {
  const { store, batchSize } = options;
  const failures: unknown[] = [];
  const step = (work: () => Promise<number>) =>
    work().catch((error: unknown) => {
      failures.push(error);
      return 0;
    });
  const expired = await step(() => store.expirePending(now, batchSize, options.calls.maxReasks));
  if (expired > 0) {
    options.metrics.expiredChallenges.inc(expired);
    options.logger.warn({ expired }, 'challenges expired without a callback after every re-ask; customers told their requests failed');
  }
  const reasked = await step(() => reaskExpired(options, now, signal));
  const resumed = await step(() => finishAbandonedCalls(options, now, signal));
  const deleted = await step(() => store.deleteSettledBefore(new Date(now.getTime() - options.retentionMs), batchSize));
  if (deleted > 0) options.logger.debug({ deleted }, 'forgot long-settled requests');
  // A webhook-id is kept while a signature with it could still be valid (its timestamp may be ahead of ours, too).
  const forgotten = await step(() => store.forgetWebhookIdsBefore(new Date(now.getTime() - 2 * signatureToleranceMs), batchSize));
  if (failures.length > 0) throw failures[0];
  return [expired, reasked, resumed, deleted, forgotten].some((count) => count === batchSize);
}

/** Asks the VPS again about challenges that expired with re-asks left; returns how many were asked about. */
async function reaskExpired(options: OverdueCallsOptions, now: Date, signal: AbortSignal): Promise<number> {
  const { store, metrics, logger, calls } = options;
  const rows = await store.claimForReask(now, new Date(now.getTime() + calls.leaseMs), calls.maxReasks, options.batchSize);
  if (rows.length === 0) return 0;
  const ask: AskDeps = { ...calls, metrics, logger, signal };
  const answers = await Promise.all(rows.map(async (row) => ({ row, answer: await askVps(ask, row) })));

  const codes: ReaskedCode[] = [];
  for (const { row, answer } of answers) {
    metrics.reasks.inc({ outcome: answer.kind });
    if (answer.kind === 'code') {
      codes.push({ row, status: answer.status, voucherCode: answer.voucherCode });
    } else if (answer.kind === 'unanswered' && !pastUnansweredWindow(options, row, now)) {
      // The VPS may have answered a code we never heard: ask again after the lease, without counting this re-ask.
      await store.extendWait(row.requestId, new Date(Date.now() + calls.leaseMs), undefined, { counted: false });
    } else {
      const expiresAt = new Date(Date.now() + calls.challengeTtlMs);
      await store.extendWait(row.requestId, expiresAt, answer.kind === 'challenge' ? answer : undefined);
    }
  }
  const settled = await store.settleReasked(codes, new Date());
  logger.info({ reasked: rows.length, settled, codes: codes.length }, 'asked the VPS again about expired challenges');
  return rows.length;
}

/**
 * Finishes calls that have been outstanding (CALLING) for longer than any handler takes: the handler died and its
 * message has not come back (or cannot, while the consumer is cut off from the broker). The VPS is asked under the
 * same requestId and its answer recorded as the handler would have: a challenge is stored, a code recorded, a VPS
 * that fails every attempt ends the request FAILED. A handler that is still alive after all only finds the request
 * settled or waiting: every transition leaves CALLING once.
 */
async function finishAbandonedCalls(options: OverdueCallsOptions, now: Date, signal: AbortSignal): Promise<number> {
  const { store, metrics, logger, calls } = options;
  const requests = await store.claimAbandonedCalls(now, new Date(now.getTime() - calls.leaseMs), options.batchSize);
  if (requests.length === 0) return 0;
  logger.warn({ requests: requests.length }, 'finishing calls to the VPS that their handlers abandoned');
  const ask: AskDeps = { ...calls, metrics, logger, signal };
  await Promise.all(requests.map(async (request) => recordAnswer(options, request, await askVps(ask, request), now)));
  return requests.length;
}

const pastUnansweredWindow = (options: OverdueCallsOptions, request: RequestFacts, now: Date) =>
  now.getTime() > request.deadline.getTime() + options.calls.unansweredWindowMs;

async function recordAnswer(options: OverdueCallsOptions, request: RequestFacts, answer: AskResult, now: Date): Promise<void> {
  const { store, logger } = options;
  if (answer.kind === 'unanswered') {
    // Still CALLING, its mark renewed by the claim: the next sweep after the lease asks again, until the window closes.
    if (!pastUnansweredWindow(options, request, now)) return;
    options.metrics.unansweredGivenUp.inc();
    logger.error({ requestId: request.requestId, reason: answer.reason }, 'VPS never answered within the window; request failed');
    const reason = `${answer.reason}; the VPS never answered within VPS_UNANSWERED_WINDOW_MS`;
    await store.settleNew({ request, status: 'FAILED', now: new Date(), reason });
    return;
  }
  if (answer.kind === 'challenge') {
    const expiresAt = new Date(Date.now() + options.calls.challengeTtlMs);
    const saved = await store.savePending(request, answer.codeChallenge, answer.transformMethod, expiresAt);
    if (saved !== 'challenge-taken') return;
  }
  if (answer.kind === 'code') await store.settleNew({ request, status: answer.status, voucherCode: answer.voucherCode, now: new Date() });
  else await store.settleNew({ request, status: 'FAILED', now: new Date() });
}
