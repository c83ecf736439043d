import { startPeriodicTask } from '@voucher/platform/lifecycle';
import type { Logger } from '@voucher/platform/logging';
import type { IntegrationMetrics } from './metrics.ts';
import { receiveCodeMessage } from './outcomes.ts';
import type { OutcomePublisher } from './receive-code-publisher.ts';
import type { RequestStore } from './store/request-store.ts';

export interface SweeperOptions {
  store: RequestStore;
  publisher: OutcomePublisher;
  metrics: IntegrationMetrics;
  logger: Logger;
  intervalMs: number;
  batchSize: number;
  retentionMs: number;
}

/**
 * Periodically tells customers whose challenge expired without a callback that their request failed (FAILED, once),
 * and forgets requests settled longer ago than the retention. Each run does at most one batch of each; a full batch
 * brings the next run forward. Runs never overlap; close() waits for the current one.
 */
export function startSweeper(options: SweeperOptions): { close(): Promise<void> } {
  return startPeriodicTask('challenge sweep', options.intervalMs, () => sweepOnce(options, new Date()), options.logger);
}

/** One sweep; true when a batch was full (more work is waiting). */
export async function sweepOnce(options: SweeperOptions, now: Date): Promise<boolean> {
  const { store, publisher, batchSize } = options;
  const expired = await store.expirePending(now, batchSize, (rows) =>
    publisher.publish(rows.map((row) => receiveCodeMessage(row, 'FAILED', undefined, now))),
  );
  const deleted = await store.deleteSettledBefore(new Date(now.getTime() - options.retentionMs), batchSize);
  if (expired > 0) {
    options.metrics.expiredChallenges.inc(expired);
    options.logger.warn({ expired }, 'challenges expired without a callback; customers told their requests failed');
  }
  if (deleted > 0) options.logger.debug({ deleted }, 'forgot long-settled requests');
  return expired === batchSize || deleted === batchSize;
}
