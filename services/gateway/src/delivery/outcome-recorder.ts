import type { ReceiveCodeMessage } from '@voucher/contracts';
import type { Database } from '@voucher/platform/database';
import type { Logger } from '@voucher/platform/logging';
import { Batcher } from '@voucher/platform/batching';
import { currentTraceContext, type TraceContext } from '@voucher/platform/telemetry';
import { GatewayErrors } from '../errors.ts';
import { lifeCycle, type DeliveryState } from './life-cycle.ts';

/** A NOTIFY payload holds at most 8,000 bytes: 200 request ids of 37 characters fit. */
const MAX_ANNOUNCED = 200;

export interface ReceiveCodeDeps {
  db: Database;
  /** How long a WEB outcome waits for a page before it goes by SMS. */
  handoffMs: number;
  /** Wakes the delivery worker: an SMS is due. */
  pokeWorker: () => void;
  logger: Logger;
}

/**
 * Handles one `receive-code` message: records the outcome on the customer's request in one statement and returns.
 * What happens next (a page takes it, or the worker texts it) is the life cycle's pending work, never a wait here.
 * Delivery is at least once, so a redelivered outcome changes nothing; an outcome for a request this gateway never
 * accepted, or for another phone number, is refused (dead-lettered): nobody is ever texted a code they did not ask for.
 */
export function createOutcomeRecorder({ db, handoffMs, pokeWorker, logger }: ReceiveCodeDeps) {
  // Outcomes consumed together are recorded, and announced, in one statement; one the store refuses fails alone.
  // Each with the trace it was consumed in, which its delivery (later, maybe elsewhere) continues.
  const outcomes = new Batcher<{ message: ReceiveCodeMessage; traceContext: TraceContext }, DeliveryState | undefined>(
    async (batch) => {
      const messages = batch.map((outcome) => outcome.message);
      const moved = await lifeCycle.recordOutcomes(
        db,
        messages,
        handoffMs,
        batch.map((outcome) => outcome.traceContext),
      );
      return messages.map((message) => moved.get(message.requestId));
    },
    { maxBatch: MAX_ANNOUNCED },
  );
  return async function handleReceiveCode(message: ReceiveCodeMessage): Promise<void> {
    const state = await outcomes.add({ message, traceContext: currentTraceContext() });
    if (state === 'SMS_PENDING') pokeWorker();
    if (state) {
      logger.debug({ requestId: message.requestId, state, channel: message.channel }, 'outcome recorded');
      return;
    }
    const known = await lifeCycle.find(db, message.requestId);
    if (!known) throw GatewayErrors.UNKNOWN_REQUEST('no request with this requestId was accepted by the gateway');
    if (known.phoneNumber !== message.phoneNumber) throw GatewayErrors.PHONE_NUMBER_MISMATCH('phoneNumber does not match the request');
    // A late code met the give-up SMS still being sent: retried shortly, then it follows as a second SMS.
    if (known.state === 'SMS_PENDING' && known.status === null && message.voucherCode)
      throw GatewayErrors.GIVE_UP_SMS_IN_FLIGHT('a late code waits for the give-up SMS to go out first');
    // Otherwise a redelivery: the outcome is already recorded.
  };
}
