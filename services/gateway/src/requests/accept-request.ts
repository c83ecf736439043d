import { randomUUID } from 'node:crypto';
import { Batcher } from '@voucher/platform/batching';
import type { Database } from '@voucher/platform/database';
import { problem } from '@voucher/platform/http';
import type { Logger } from '@voucher/platform/logging';
import type { PublishRequest } from '../kafka/request-publisher.ts';
import { idempotencyStore } from './idempotency-store.ts';
import { requestStore } from './request-store.ts';

export interface AcceptDeps {
  db: Database;
  publishRequest: PublishRequest;
  deadlineMs: number;
  /** The longest an attempt waits for the broker; an unaccepted key older than a few of these was abandoned. */
  produceTimeoutMs: number;
  logger: Logger;
}

type NewRequest = { requestId: string; phoneNumber: string; deadline: Date };

export interface AcceptedRequest {
  requestId: string;
  /** False when an Idempotency-Key retry got the first attempt's answer. */
  created: boolean;
}

/** Seconds a customer is asked to wait before retrying when the broker is down. */
const RETRY_AFTER_SECONDS = 5;
const unavailable = () =>
  problem.unavailable('The request could not be queued; nothing was accepted. Please retry shortly.', RETRY_AFTER_SECONDS);

/**
 * Accepts a customer's request: the row (and Idempotency-Key) are stored first, then `request-code` is published,
 * and only the broker's acknowledgement makes it accepted. A failed publish removes both, so nothing was accepted.
 */
export function createRequestAcceptor({ db, publishRequest, deadlineMs, produceTimeoutMs, logger }: AcceptDeps) {
  // Requests without a key that arrive together are stored with one INSERT.
  const newRequests = new Batcher<NewRequest>(async (requests) => {
    await requestStore.insertMany(db, requests);
    return requests.map(() => undefined);
  });
  const publish = (request: { requestId: string; phoneNumber: string; deadline: Date }) =>
    publishRequest({
      requestId: request.requestId,
      phoneNumber: request.phoneNumber,
      requestedAt: new Date(request.deadline.getTime() - deadlineMs).toISOString(),
      deadline: request.deadline.toISOString(),
    });

  /**
   * The first attempt's process died between storing the key and the broker's answer, so whether request-code went
   * out is unknown: publish it again under the same request id (every consumer is idempotent on it).
   */
  const finishAbandoned = async (phoneNumber: string, key: string, requestId: string): Promise<AcceptedRequest> => {
    const request = await requestStore.find(db, requestId);
    if (!request) throw problem.conflict('A request with this Idempotency-Key could not be completed; use a new key.');
    await publish(request).catch((error) => {
      logger.warn({ err: error, requestId }, 'request-code not acknowledged on retry');
      throw unavailable();
    });
    await idempotencyStore.markAccepted(db, phoneNumber, key);
    return { requestId, created: false };
  };

  const replay = async (phoneNumber: string, key: string): Promise<AcceptedRequest> => {
    const first = await idempotencyStore.find(db, phoneNumber, key, 3 * produceTimeoutMs);
    if (!first) throw problem.conflict('A request with this Idempotency-Key has just failed; retry it.');
    if (first.acceptedAt) return { requestId: first.requestId, created: false };
    if (first.abandoned) return finishAbandoned(phoneNumber, key, first.requestId);
    throw problem.conflict('A request with this Idempotency-Key is still in progress.');
  };

  return async function acceptRequest(phoneNumber: string, idempotencyKey?: string): Promise<AcceptedRequest> {
    const request = { requestId: randomUUID(), phoneNumber, deadline: new Date(Date.now() + deadlineMs) };
    if (!idempotencyKey) await newRequests.add(request);
    else {
      const reserved = await db.transaction(async (tx) => {
        if (!(await idempotencyStore.reserve(tx, phoneNumber, idempotencyKey, request.requestId))) return false;
        await requestStore.insert(tx, request);
        return true;
      });
      if (!reserved) return replay(phoneNumber, idempotencyKey);
    }

    try {
      await publish(request);
    } catch (error) {
      logger.warn({ err: error, requestId: request.requestId }, 'request-code not acknowledged; request refused');
      await db.transaction(async (tx) => {
        await requestStore.delete(tx, request.requestId);
        if (idempotencyKey) await idempotencyStore.release(tx, phoneNumber, idempotencyKey);
      });
      throw unavailable();
    }
    if (idempotencyKey) await idempotencyStore.markAccepted(db, phoneNumber, idempotencyKey);
    return { requestId: request.requestId, created: true };
  };
}

export type AcceptRequest = ReturnType<typeof createRequestAcceptor>;
