import type { Database, Queryable } from '@voucher/platform/database';
import { startPeriodicTask } from '@voucher/platform/lifecycle';
import type { Logger } from '@voucher/platform/logging';
import { customerTexts } from '../customer-texts.ts';
import type { Backlog } from '../metrics.ts';
import { lifeCycle } from './life-cycle.ts';

export interface OverdueOptions {
  db: Database;
  /** Wakes the delivery worker: failure texts are due. */
  pokeWorker: () => void;
  logger: Logger;
  /** How long after its deadline a request may stay without an outcome before the customer is told it failed. */
  graceMs: number;
  intervalMs: number;
  batchSize: number;
  now?: () => Date;
}

/**
 * The last line of "every accepted request ends": a request still waiting for its outcome `graceMs` after its deadline
 * (the outcome was lost on the way, however unlikely) is failed and its customer texted so; one the customer was told
 * was never accepted is abandoned. The integration service asks the VPS again long before this, so normally nothing
 * is found. A code arriving afterwards still goes by SMS.
 */
export function startOverdueRequests(options: OverdueOptions): { close(): Promise<void> } {
  return startPeriodicTask('overdue-requests', options.intervalMs, () => giveUpOnOverdue(options), options.logger);
}

/**
 * Accepted requests (PROCESSING, WEB_READY, SMS_PENDING) past their deadline whose customer has not been told yet, and
 * how far past it the oldest is: the operator's gauge (gateway_requests_overdue). An SMS-bound outcome is past its
 * deadline by nature for the second or so it takes to text it; one stuck for long is what an alert is for.
 */
export async function countOverdue(db: Queryable): Promise<Backlog> {
  const [row] = await db.query<Backlog>(
    `SELECT count(*)::int AS count, COALESCE(EXTRACT(EPOCH FROM now() - min(deadline)), 0)::float8 AS "oldestSeconds"
     FROM voucher_requests WHERE state IN ('PROCESSING', 'WEB_READY', 'SMS_PENDING') AND deadline < now()`,
  );
  return row ?? { count: 0, oldestSeconds: 0 };
}

/** One pass; true when a full batch was found (more may be waiting). */
export async function giveUpOnOverdue(options: OverdueOptions): Promise<boolean> {
  const now = options.now?.() ?? new Date();
  const cutoff = new Date(now.getTime() - options.graceMs);
  const moved = await lifeCycle.giveUpOverdue(options.db, cutoff, customerTexts.overdue, options.batchSize);
  if (moved > 0) {
    options.logger.warn({ requests: moved }, 'no outcome long after the deadline; the customers are told it failed');
    options.pokeWorker();
  }
  return moved === options.batchSize;
}
