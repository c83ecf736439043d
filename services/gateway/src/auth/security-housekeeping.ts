import type { Queryable } from '@voucher/platform/database';
import { startPeriodicTask } from '@voucher/platform/lifecycle';
import type { Logger } from '@voucher/platform/logging';
import { deleteExpiredBatch, type ExpiryRule } from '../housekeeping/expired-rows.ts';

/** Ended rate-limit windows, and failure counts whose window and lock have both ended. */
export const securityExpiryRules: ExpiryRule[] = [
  { table: 'rate_limit_hits', column: 'expires_at', cutoff: (now) => now },
  { table: 'sign_in_failures', column: 'expires_at', cutoff: (now) => now },
];

export interface SecurityHousekeepingOptions {
  db: Queryable;
  logger: Logger;
  intervalMs: number;
  batchSize: number;
}

/** One sweep of the abuse counters' dead rows, a batch per table; true when a batch was full (more is waiting). */
export async function sweepSecurityOnce(options: SecurityHousekeepingOptions, now: Date = new Date()): Promise<boolean> {
  let busy = false;
  for (const rule of securityExpiryRules) {
    const deleted = await deleteExpiredBatch(options.db, rule, now, options.batchSize);
    if (deleted > 0) options.logger.debug({ table: rule.table, deleted }, 'deleted expired rows');
    busy ||= deleted === options.batchSize;
  }
  return busy;
}

/** Keeps the abuse counters' tables small, like the gateway's own housekeeping does for its tables; every replica sweeps. */
export function startSecurityHousekeeping(options: SecurityHousekeepingOptions): { close(): Promise<void> } {
  return startPeriodicTask('security housekeeping', options.intervalMs, () => sweepSecurityOnce(options), options.logger);
}
