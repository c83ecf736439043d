import type { Queryable } from '@voucher/platform/database';
import { startPeriodicTask } from '@voucher/platform/lifecycle';
import type { Logger } from '@voucher/platform/logging';
import { deleteExpiredBatch, expiryRules } from './expired-rows.ts';

export interface HousekeepingOptions {
  db: Queryable;
  logger: Logger;
  intervalMs: number;
  batchSize: number;
  idempotencyKeyTtlMs: number;
  /** How long a sign-in send-count window lasts (auth/send-counter.ts): an ended window's row is dead. */
  sendWindowMs: number;
}

/**
 * Periodically deletes the gateway's dead rows (old Idempotency-Keys, expired sign-in codes and stream tickets,
 * ended send-count windows) so the tables stay small. Each run deletes at most one batch per table; a full batch
 * brings the next run forward. Runs never overlap; close() waits for the current one. Every replica sweeps.
 */
export function startHousekeeping(options: HousekeepingOptions): { close(): Promise<void> } {
  return startPeriodicTask('housekeeping', options.intervalMs, () => sweepOnce(options, new Date()), options.logger);
}

/** One sweep; true when a batch was full (more work is waiting). */
export async function sweepOnce(options: HousekeepingOptions, now: Date = new Date()): Promise<boolean> {
  let busy = false;
  for (const rule of expiryRules(options.idempotencyKeyTtlMs, options.sendWindowMs)) {
    const deleted = await deleteExpiredBatch(options.db, rule, now, options.batchSize);
    if (deleted > 0) options.logger.debug({ table: rule.table, deleted }, 'deleted expired rows');
    busy ||= deleted === options.batchSize;
  }
  return busy;
}
