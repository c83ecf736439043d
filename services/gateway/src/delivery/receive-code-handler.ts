import { setTimeout as sleep } from 'node:timers/promises';
import type { ReceiveCodeMessage } from '@voucher/contracts';
import type { Database } from '@voucher/platform/database';
import type { Logger } from '@voucher/platform/logging';
import { PermanentError } from '@voucher/platform/kafka';
import { requestStore } from '../requests/request-store.ts';
import { awaitsNotification, type VoucherRequest } from '../requests/voucher-request.ts';
import type { ReadySignal } from './ready-signal.ts';
import type { SendBySms } from './sms-delivery.ts';

export interface ReceiveCodeDeps {
  db: Database;
  signal: ReadySignal;
  sendBySms: SendBySms;
  /** How long a web outcome waits for the replica holding the page before it goes by SMS. */
  handoffMs: number;
  logger: Logger;
}

/**
 * Handles one `receive-code` message so that the customer is told exactly once, however often it is delivered:
 * the outcome is stored, offered to the page (on whichever replica holds it) when it may still go on the web, and
 * sent by SMS otherwise, or when no page took it in time.
 */
export function createReceiveCodeHandler({ db, signal, sendBySms, handoffMs, logger }: ReceiveCodeDeps) {
  const load = async (requestId: string) => {
    const request = await requestStore.find(db, requestId);
    if (!request) throw new Error(`request ${requestId} vanished`);
    return request;
  };

  const offerToPageThenSms = async (request: VoucherRequest) => {
    const giveUpAt = Date.now() + handoffMs;
    if (!request.pageOpenedAt) {
      // No page yet: one that opens within the hand-off time finds the outcome itself and claims it; the SMS claim
      // below is conditional, so it then sends nothing. Nobody needs waking meanwhile.
      await sleep(handoffMs);
      return sendBySms(request.requestId);
    }
    await signal.notify(request.requestId);
    // Our own signal wakes us too, so look again until a page took it or the hand-off time is up.
    let current = request;
    while (awaitsNotification(current) && Date.now() < giveUpAt) {
      await signal.waitForChange(request.requestId, giveUpAt - Date.now());
      current = await load(request.requestId);
    }
    await sendBySms(request.requestId);
  };

  /** The request as this outcome leaves it; usually one UPDATE, more only for a redelivery or an unknown request. */
  const recordOutcome = async (message: ReceiveCodeMessage): Promise<VoucherRequest> => {
    const updated = await requestStore.recordOutcome(db, message);
    if (updated) return updated;
    const known = await requestStore.find(db, message.requestId);
    if (known && known.phoneNumber !== message.phoneNumber) {
      // Never deliver a code to anyone but the customer who asked for it.
      throw new PermanentError('phoneNumber does not match the request');
    }
    if (known) return known; // a redelivery: the outcome is already recorded
    await requestStore.insertUnknown(db, message);
    return (await requestStore.recordOutcome(db, message)) ?? load(message.requestId);
  };

  return async function handleReceiveCode(message: ReceiveCodeMessage): Promise<void> {
    const request = await recordOutcome(message);
    const webStillPossible = request.state === 'FAILED' || (message.channel === 'WEB' && request.deadline.getTime() > Date.now());
    logger.debug({ requestId: request.requestId, state: request.state, channel: message.channel, webStillPossible }, 'receive-code');
    if (!awaitsNotification(request)) return; // already told (a redelivery)
    if (webStillPossible) await offerToPageThenSms(request);
    else await sendBySms(request.requestId);
  };
}
