import type { Database } from '@voucher/platform/database';
import { startPeriodicTask } from '@voucher/platform/lifecycle';
import type { Logger } from '@voucher/platform/logging';
import { requestStore } from '../requests/request-store.ts';
import type { SendBySms } from './sms-delivery.ts';

export const OVERDUE_TEXT =
  'We are sorry: we could not get your voucher code from our provider in time. If the code arrives later, we will text it to you.';

export interface OverdueOptions {
  db: Database;
  sendBySms: SendBySms;
  logger: Logger;
  /** How long after its deadline a request may stay without an outcome before the customer is told it failed. */
  graceMs: number;
  intervalMs: number;
  batchSize: number;
  now?: () => Date;
}

/**
 * The last line of "every accepted request ends": a request still PROCESSING `graceMs` after its deadline (its outcome
 * was lost on the way, however unlikely) is marked FAILED and the customer is texted so. The integration service asks
 * the VPS again long before this, so normally nothing is ever found. A code arriving afterwards still goes by SMS.
 */
export function startOverdueRequests(options: OverdueOptions): { close(): Promise<void> } {
  return startPeriodicTask('overdue-requests', options.intervalMs, () => giveUpOnOverdue(options), options.logger);
}

/** One pass; true when a full batch was found (more may be waiting). */
export async function giveUpOnOverdue(options: OverdueOptions): Promise<boolean> {
  const now = options.now?.() ?? new Date();
  const cutoff = new Date(now.getTime() - options.graceMs);
  const overdue = await requestStore.giveUpOverdue(options.db, cutoff, OVERDUE_TEXT, options.batchSize);
  for (const requestId of overdue) {
    options.logger.warn({ requestId }, 'no outcome long after the deadline; the customer is told it failed');
    await options.sendBySms(requestId);
  }
  return overdue.length === options.batchSize;
}
