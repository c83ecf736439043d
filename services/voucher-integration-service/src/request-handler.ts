import type { ReceiveCodeMessage, RequestCodeMessage, VoucherStatus } from '@voucher/contracts';
import type { RecordContext } from '@voucher/platform/kafka';
import { Batcher, PerKeyQueue } from '@voucher/platform/batching';
import { currentTraceContext } from '@voucher/platform/telemetry';
import type { RequestFacts } from './outcomes.ts';
import type { CallRequest, CallStart, Outcome, RequestStore } from './store/request-store.ts';
import { askVps, type AskDeps } from './vps/ask.ts';

/** What asking the VPS needs (a wait aborted at shutdown leaves the message uncommitted, to be redelivered), and more. */
export interface RequestHandlerDeps extends AskDeps {
  store: RequestStore;
  challengeTtlMs: number;
}

/**
 * Handles one request-code message: records that a call is outstanding, asks the VPS for a code (retrying under the
 * same requestId), then records the code or the failure (its receive-code record goes into the outbox in the same
 * transaction; the outbox relay publishes it), or stores the VPS's challenge until its callback. A call the VPS may
 * have taken without answering stays outstanding for the sweep to ask about again (overdue-calls.ts). Nothing waits on the
 * broker here, so a broker outage never makes the VPS be asked again.
 * Idempotent on requestId: delivery is at least once, so a request waiting for its callback or settled is left alone,
 * one whose call was interrupted (the process died before storing the answer) is asked again under the same
 * requestId, and copies of one request in this process run one at a time.
 */
export function createRequestHandler(deps: RequestHandlerDeps): (message: RequestCodeMessage, context: RecordContext) => Promise<void> {
  const queue = new PerKeyQueue();
  // Calls begun at the same time are recorded in one statement.
  const caller = new Batcher<CallRequest, CallStart>((batch) => deps.store.beginCalls(batch, new Date()));
  // Outcomes reached at the same time are recorded in one transaction (and so published in one produce request).
  const settler = new Batcher<Outcome, ReceiveCodeMessage | undefined>((batch) => deps.store.settleMany(batch));
  const withBatchers = { ...deps, caller, settler };
  return (message, context) => queue.run(message.requestId, () => handleRequest(withBatchers, message, context.timestamp));
}

type HandlerDeps = RequestHandlerDeps & {
  caller: Batcher<CallRequest, CallStart>;
  settler: Batcher<Outcome, ReceiveCodeMessage | undefined>;
};

async function handleRequest(deps: HandlerDeps, message: RequestCodeMessage, publishedAt: Date): Promise<void> {
  const request: RequestFacts = { requestId: message.requestId, phoneNumber: message.phoneNumber, deadline: new Date(message.deadline) };
  // Durable before the VPS hears of the request: a callback that overtakes the answer is then "not known yet" (503).
  const start = await deps.caller.add({ ...request, publishedAt });
  if (start === 'known') {
    deps.logger.debug({ requestId: message.requestId }, 'request already handled; redelivery ignored');
    return;
  }
  if (start === 'resumed')
    deps.logger.warn({ requestId: request.requestId }, 'a call to the VPS was interrupted; asking again with the same requestId');
  const answer = await askVps(deps, request);
  if (answer.kind === 'code') return settle(deps, request, answer.status, answer.voucherCode);
  if (answer.kind === 'challenge') return awaitCallback(deps, request, answer.codeChallenge, answer.transformMethod);
  if (answer.kind === 'unanswered') {
    // The VPS may hold a code for it: the request stays CALLING, and the sweep asks again once the call's lease is over.
    deps.metrics.requestOutcomes.inc({ outcome: 'UNANSWERED' });
    deps.logger.warn({ requestId: request.requestId, reason: answer.reason }, 'VPS never answered; it will be asked again');
    return;
  }
  deps.logger.error({ requestId: request.requestId, reason: answer.reason, attempts: deps.maxAttempts }, 'VPS failed; request failed');
  return settle(deps, request, 'FAILED', undefined, `${answer.reason} (after ${deps.maxAttempts} attempts)`);
}

async function settle(deps: HandlerDeps, request: RequestFacts, status: VoucherStatus, voucherCode: string | undefined, reason?: string) {
  // Settled in a batch with others' outcomes: each record keeps the trace of its own handling.
  const recorded = await deps.settler.add({ request, status, voucherCode, now: new Date(), traceContext: currentTraceContext(), reason });
  if (!recorded) {
    deps.logger.info({ requestId: request.requestId }, 'request settled elsewhere meanwhile; nothing recorded');
    return;
  }
  deps.metrics.requestOutcomes.inc({ outcome: recorded.status });
  deps.logger.info({ requestId: request.requestId, status: recorded.status, channel: recorded.channel }, 'outcome recorded');
}

async function awaitCallback(deps: HandlerDeps, request: RequestFacts, challenge: string, method: 'S256' | 'plain') {
  const expiresAt = new Date(Date.now() + deps.challengeTtlMs);
  const saved = await deps.store.savePending(request, challenge, method, expiresAt);
  if (saved === 'challenge-taken') {
    // A callback for a reused challenge could redeem another customer's request; refuse to wait for it at all.
    deps.logger.error({ requestId: request.requestId }, 'VPS reused a code challenge; request failed');
    return settle(deps, request, 'FAILED', undefined, 'the VPS gave a code challenge it had given another request');
  }
  deps.metrics.requestOutcomes.inc({ outcome: saved === 'saved' ? 'AWAITING_CALLBACK' : 'DUPLICATE' });
  deps.logger.info({ requestId: request.requestId, transformMethod: method, saved }, 'VPS acknowledged; awaiting its callback');
}
