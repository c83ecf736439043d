import type { Database } from '@voucher/platform/database';
import { isRetryable } from '@voucher/platform/errors';
import { backoffDelay, startPeriodicTask, type LeasingWorkerSettings } from '@voucher/platform/lifecycle';
import type { Logger } from '@voucher/platform/logging';
import { continueTrace, inCarriedContext, withRequestId } from '@voucher/platform/telemetry';
import type { GatewayMetrics } from '../metrics.ts';
import type { SmsSender } from '../sms/sms-sender.ts';
import { customerTexts } from '../customer-texts.ts';
import { lifeCycle, type DeliveryRow } from './life-cycle.ts';

/** batchSize is also how many SMS sends go out at once; leaseMs must be longer than the SMS timeout. */
export interface DeliveryWorkerOptions extends LeasingWorkerSettings {
  db: Database;
  sms: SmsSender;
  metrics: GatewayMetrics;
  logger: Logger;
  now?: () => Date;
  /** Called once texts are recorded: the texted report (texted-report.ts) has codes to report. */
  onTexted?: () => void;
}

export interface DeliveryWorker {
  /** Look for due work now (an outcome just became SMS_PENDING). */
  poke(): void;
  /** One pass: hand-offs that are due, then the SMS sends that are due. True when a full batch was found. */
  runOnce(): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * Does the delivery's pending work, on every replica at once (rows are leased with SKIP LOCKED): a WEB outcome no page
 * took by its due time is handed to SMS, and each due SMS is sent outside any transaction, then recorded. A send that
 * fails is retried with backoff for as long as it takes; one cut short by a crash is sent again after its lease with
 * the same idempotency key, which the SMS gateway deduplicates, so the customer is texted once.
 */
export function startDeliveryWorker(options: DeliveryWorkerOptions): DeliveryWorker {
  const now = options.now ?? (() => new Date());

  /**
   * Sends one SMS; true when the SMS gateway took it, else its next attempt is scheduled. The send is part of the
   * request's trace (stored with the outcome) and of its log lines.
   */
  const send = (row: DeliveryRow): Promise<boolean> =>
    withRequestId(row.requestId, () => continueTrace('deliver by SMS', row.traceContext, () => sendNow(row)));
  const sendNow = async (row: DeliveryRow): Promise<boolean> => {
    try {
      await options.sms.send(row.phoneNumber, customerTexts.outcomeSms(row), smsIdempotencyKey(row));
      return true;
    } catch (error) {
      options.metrics.smsFailed();
      const delay = backoffDelay(row.smsAttempts, options.retryBaseMs, options.retryMaxMs);
      // Only an SMS tells this customer, so even a refusal (retryable: false) is retried; it repeats until its cause (the
      // number, the SMS gateway's rules) is fixed, so it is logged as an error for an operator.
      const refused = !isRetryable(error);
      options.logger[refused ? 'error' : 'warn'](
        { err: error, requestId: row.requestId, attempt: row.smsAttempts, delay },
        refused ? 'SMS refused by the SMS gateway; retrying later' : 'SMS not sent; retrying later',
      );
      await lifeCycle.smsRetryAt(options.db, row.requestId, new Date(now().getTime() + delay));
      return false;
    }
  };

  /** Sends every leased SMS at once and records those that went out in one statement. */
  const sendAll = async (rows: DeliveryRow[]) => {
    const results = await Promise.all(rows.map(send));
    const sent = rows.filter((_, index) => results[index]);
    if (sent.length === 0) return;
    const recorded = await lifeCycle.smsSent(options.db, sent);
    if (recorded.length > 0) options.onTexted?.();
    const byId = new Map(sent.map((row) => [row.requestId, row]));
    for (const { requestId, state } of recorded) {
      options.metrics.delivered('SMS', state === 'FAILED' ? 'failure' : 'code');
      const row = byId.get(requestId);
      inCarriedContext(row?.traceContext, () =>
        options.logger.info({ requestId, phoneNumber: row?.phoneNumber, state }, 'customer told by SMS'),
      );
    }
  };

  const runOnce = async () => {
    const at = now();
    const handedOff = await lifeCycle.handOffDue(options.db, at, options.batchSize);
    const due = await lifeCycle.leaseDueSms(options.db, at, options.leaseMs, options.batchSize);
    await sendAll(due);
    return handedOff === options.batchSize || due.length === options.batchSize;
  };

  const task = startPeriodicTask('delivery', options.pollMs, runOnce, options.logger);
  return { poke: task.poke, runOnce, close: task.close };
}

/**
 * One key per message a request can cause: its outcome, and a code that arrived after the gateway had given up and
 * texted the failure (a second, different text, which the SMS gateway would refuse under the first key).
 */
export const smsIdempotencyKey = (row: Pick<DeliveryRow, 'requestId' | 'voucherCode'>) =>
  `${row.requestId}:${row.voucherCode ? 'code' : 'outcome'}`;
