import { ConcurrencyLimit } from '@voucher/platform/batching';
import type { Database } from '@voucher/platform/database';
import type { Logger } from '@voucher/platform/logging';
import type { GatewayMetrics } from '../metrics.ts';
import { requestStore } from '../requests/request-store.ts';
import type { VoucherRequest } from '../requests/voucher-request.ts';
import type { SmsSender } from '../sms/sms-sender.ts';
import { smsTextFor } from '../sms/sms-texts.ts';
import type { ReadySignal } from './ready-signal.ts';

export interface SmsDeliveryDeps {
  db: Database;
  /** SMS deliveries at once: each holds a database connection while the SMS gateway answers. */
  concurrency: number;
  sms: SmsSender;
  signal: ReadySignal;
  metrics: GatewayMetrics;
  logger: Logger;
}

/**
 * Tells the customer by SMS, unless a page (or another replica) already did. The claim and the send share one
 * transaction: if the send fails the claim rolls back and the message is retried; if the process dies after the
 * send, the retry repeats it with the same Idempotency-Key, which the SMS gateway deduplicates.
 */
export function createSmsDelivery({ db, concurrency, sms, signal, metrics, logger }: SmsDeliveryDeps) {
  // Bounded, so a burst of SMS fallbacks cannot take every pooled connection from customers' requests.
  const limit = new ConcurrencyLimit(concurrency);
  return async function sendBySms(requestId: string): Promise<void> {
    const sent = await limit.run(() =>
      db.transaction(async (tx) => {
        const request = await requestStore.lockForSms(tx, requestId);
        if (!request) return undefined; // a page took it, or an earlier delivery of this message already sent it
        await requestStore.markSentBySms(tx, requestId);
        await sms.send(request.phoneNumber, smsTextFor(request), smsIdempotencyKey(request));
        return request;
      }),
    );
    if (!sent) return;
    const outcome = sent.state === 'FAILED' ? 'failure' : 'code';
    metrics.delivered('SMS', outcome);
    logger.info({ requestId, phoneNumber: sent.phoneNumber, outcome }, 'customer told by SMS');
    await signal.notify(requestId); // a page still open anywhere learns that the code went by SMS
  };
}

export type SendBySms = ReturnType<typeof createSmsDelivery>;

/**
 * One key per message a request can cause: its outcome, and a code that arrived after the gateway had given up and
 * texted the failure (a second, different text, which the SMS gateway would refuse under the first key).
 */
export const smsIdempotencyKey = (request: VoucherRequest) => `${request.requestId}:${request.voucherCode ? 'code' : 'outcome'}`;
