import { setTimeout as sleep } from 'node:timers/promises';
import type { ReceiveCodeMessage, RequestCodeMessage, VoucherStatus } from '@voucher/contracts';
import { Batcher } from '@voucher/platform/batching';
import { backoffDelay } from '@voucher/platform/lifecycle';
import type { Logger } from '@voucher/platform/logging';
import type { IntegrationMetrics } from './metrics.ts';
import { receiveCodeMessage, type RequestFacts } from './outcomes.ts';
import { PerKeyQueue } from './per-key-queue.ts';
import type { OutcomePublisher } from './receive-code-publisher.ts';
import type { RequestStore, Settlement } from './store/request-store.ts';
import type { VpsAnswer } from './vps/vps-answer.ts';
import type { VpsClient } from './vps/vps-client.ts';

export interface RequestHandlerDeps {
  store: RequestStore;
  vps: VpsClient;
  publisher: OutcomePublisher;
  metrics: IntegrationMetrics;
  logger: Logger;
  callbackUrl: string;
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  challengeTtlMs: number;
  /** Aborted at shutdown: a wait before a retry gives up, and its message stays uncommitted, to be redelivered. */
  signal: AbortSignal;
}

/**
 * Handles one request-code message: asks the VPS for a code (retrying under the same requestId), then publishes the
 * code or the failure, or stores the VPS's challenge until its callback. Idempotent on requestId: delivery is at least
 * once, so a request already in the store is left alone, and copies of one request in this process run one at a time.
 */
export function createRequestHandler(deps: RequestHandlerDeps): (message: RequestCodeMessage) => Promise<void> {
  const queue = new PerKeyQueue();
  // Outcomes reached at the same time are recorded in one transaction and published in one produce request.
  const settler = new Batcher<OutcomeToSettle, boolean>((batch) =>
    deps.store.settleMany(batch, (won) => deps.publisher.publish(won.map((settlement) => settlement.message))),
  );
  const withSettler = { ...deps, settler };
  return (message) => queue.run(message.requestId, () => handleRequest(withSettler, message));
}

interface OutcomeToSettle extends Settlement {
  message: ReceiveCodeMessage;
}

type HandlerDeps = RequestHandlerDeps & { settler: Batcher<OutcomeToSettle, boolean> };

async function handleRequest(deps: HandlerDeps, message: RequestCodeMessage): Promise<void> {
  if (await deps.store.isKnown(message.requestId)) {
    deps.logger.debug({ requestId: message.requestId }, 'request already handled; redelivery ignored');
    return;
  }
  const request: RequestFacts = { requestId: message.requestId, phoneNumber: message.phoneNumber, deadline: new Date(message.deadline) };
  const answer = await askVps(deps, request);
  if (answer.kind === 'code') return settle(deps, request, 'SUCCESS', answer.voucherCode);
  if (answer.kind === 'challenge') return awaitCallback(deps, request, answer.codeChallenge, answer.transformMethod);
  deps.logger.error({ requestId: request.requestId, reason: answer.reason, attempts: deps.maxAttempts }, 'VPS failed; request failed');
  return settle(deps, request, 'FAILED', undefined);
}

/** Calls the VPS until it answers with a code or a challenge, or the attempts run out (then the last error). */
async function askVps(deps: RequestHandlerDeps, request: RequestFacts): Promise<VpsAnswer> {
  for (let attempt = 1; ; attempt++) {
    const answer = await callVps(deps, request);
    if (answer.kind !== 'error' || attempt >= deps.maxAttempts) return answer;
    const delayMs = backoffDelay(attempt, deps.retryBaseMs, deps.retryMaxMs);
    deps.logger.warn({ requestId: request.requestId, attempt, reason: answer.reason, delayMs }, 'VPS call failed; retrying');
    await sleep(delayMs, undefined, { signal: deps.signal });
  }
}

async function callVps(deps: RequestHandlerDeps, request: RequestFacts): Promise<VpsAnswer> {
  deps.metrics.vpsCallsInFlight.inc();
  try {
    const body = { phoneNumber: request.phoneNumber, callbackUrl: deps.callbackUrl, requestId: request.requestId };
    const answer = await deps.vps.requestVoucher(body);
    deps.metrics.vpsCalls.inc({ outcome: answer.kind === 'error' ? answer.outcome : answer.kind });
    return answer;
  } finally {
    deps.metrics.vpsCallsInFlight.dec();
  }
}

async function settle(deps: HandlerDeps, request: RequestFacts, status: VoucherStatus, voucherCode: string | undefined) {
  const now = new Date();
  const message = receiveCodeMessage(request, status, voucherCode, now);
  const published = await deps.settler.add({ request, outcome: status, now, message });
  if (!published) {
    deps.logger.info({ requestId: request.requestId }, 'request settled elsewhere meanwhile; nothing published');
    return;
  }
  deps.metrics.requestOutcomes.inc({ outcome: status });
  deps.logger.info({ requestId: request.requestId, status, channel: message.channel }, 'outcome published');
}

async function awaitCallback(deps: HandlerDeps, request: RequestFacts, challenge: string, method: 'S256' | 'plain') {
  const expiresAt = new Date(Date.now() + deps.challengeTtlMs);
  const saved = await deps.store.savePending(request, challenge, method, expiresAt);
  if (saved === 'challenge-taken') {
    // A callback for a reused challenge could redeem another customer's request; refuse to wait for it at all.
    deps.logger.error({ requestId: request.requestId }, 'VPS reused a code challenge; request failed');
    return settle(deps, request, 'FAILED', undefined);
  }
  deps.metrics.requestOutcomes.inc({ outcome: saved === 'saved' ? 'AWAITING_CALLBACK' : 'DUPLICATE' });
  deps.logger.info({ requestId: request.requestId, transformMethod: method, saved }, 'VPS acknowledged; awaiting its callback');
}
