import { randomUUID } from 'node:crypto';
import { Batcher } from '@voucher/platform/batching';
import type { Database } from '@voucher/platform/database';
import type { Logger } from '@voucher/platform/logging';
import { withRequestId } from '@voucher/platform/telemetry';
import { lifeCycle, type DeliveryRow } from '../delivery/life-cycle.ts';
import { GatewayErrors } from '../errors.ts';
import type { PublishRequest } from '../kafka/request-publisher.ts';
import { idempotencyStore } from './idempotency-store.ts';

export interface AcceptDeps {
  db: Database;
  publishRequest: PublishRequest;
  deadlineMs: number;
  logger: Logger;
}

type NewRequest = { requestId: string; phoneNumber: string; deadline: Date };
type KeyedRequest = NewRequest & { idempotencyKey: string };
type AcceptedKey = { phoneNumber: string; key: string };

export interface AcceptedRequest {
  requestId: string;
  /** False when an Idempotency-Key retry got the first attempt's request. */
  created: boolean;
}

const notQueued = () =>
  GatewayErrors.REQUEST_NOT_QUEUED('The request could not be queued yet. Please retry with the same Idempotency-Key.');

/**
 * Accepts a customer's request: the row (and its Idempotency-Key) are stored first, then `request-code` is published,
 * and only the broker's acknowledgement makes the answer 202. One key names one request forever: a retry with the
 * key, whether the first attempt failed, timed out or is still in flight, publishes that same requestId again (every
 * consumer is idempotent on it) and answers 202 with it once acknowledged. A publish that was not acknowledged leaves
 * the request UNCONFIRMED, never deleted: the record may still have reached the broker, and its code must then reach
 * the customer.
 */
export function createRequestAcceptor({ db, publishRequest, deadlineMs, logger }: AcceptDeps) {
  // Requests that arrive together are stored with one statement: without a key, one INSERT; with one (the page always
  // sends one), the keys and the rows of the requests whose key was free.
  const newRequests = new Batcher<NewRequest>(async (requests) => {
    await lifeCycle.insert(db, requests);
    return requests.map(() => undefined);
  });
  const keyedRequests = new Batcher<KeyedRequest, boolean>(async (requests) => {
    const inserted = await lifeCycle.insertKeyed(db, requests);
    return requests.map((request) => inserted.has(request.requestId));
  });
  // Keys whose request the broker acknowledged: a retry after the 202 then publishes nothing more. Marks that arrive
  // together share one UPDATE.
  const acceptedKeys = new Batcher<AcceptedKey>(async (keys) => {
    await idempotencyStore.markManyAccepted(db, keys);
    return keys.map(() => undefined);
  });

  /**
   * Bookkeeping written after the broker's answer: logged when it fails, never what the customer is told (the broker's
   * answer alone decides that, and what the bookkeeping would have recorded follows anyway).
   */
  const afterTheAnswer = (work: Promise<void>, requestId: string, failed: string): Promise<void> =>
    work.catch((err: unknown) => logger.warn({ err, requestId }, failed));

  /** Notes that the key's request was acknowledged; unnoted, a retry with the key publishes it once more (harmless). */
  const markAccepted = (requestId: string, phoneNumber: string, key: string): Promise<void> =>
    afterTheAnswer(
      acceptedKeys.add({ phoneNumber, key }),
      requestId,
      'an acknowledged Idempotency-Key was not marked; a retry with it publishes again',
    );

  /** Publishes in the request's scope: its record carries the requestId (and the trace), as do the log lines. */
  const publish = (request: NewRequest | DeliveryRow): Promise<void> => withRequestId(request.requestId, () => publishNow(request));
  const publishNow = async (request: NewRequest | DeliveryRow): Promise<void> => {
    try {
      await publishRequest({
        requestId: request.requestId,
        phoneNumber: request.phoneNumber,
        requestedAt: new Date(request.deadline.getTime() - deadlineMs).toISOString(),
        deadline: request.deadline.toISOString(),
      });
    } catch (error) {
      logger.warn({ err: error, requestId: request.requestId }, 'request-code not acknowledged; the customer is asked to retry');
      // Told to retry either way: a row left PROCESSING without its record is failed by the overdue sweep, and texted.
      await afterTheAnswer(
        lifeCycle.publishUnconfirmed(db, request.requestId),
        request.requestId,
        'an unacknowledged request was not marked UNCONFIRMED',
      );
      throw notQueued();
    }
  };

  /** The key is taken: its request, published again unless the broker already acknowledged it. */
  const retryWithKey = async (phoneNumber: string, key: string): Promise<AcceptedRequest> => {
    const first = await idempotencyStore.find(db, phoneNumber, key);
    const request = first && (await lifeCycle.find(db, first.requestId));
    if (!first || !request) throw GatewayErrors.IDEMPOTENCY_KEY_RELEASED('This Idempotency-Key was released meanwhile; retry it.');
    if (!first.acceptedAt) {
      await publish(request);
      // Accepted once the broker has it; a row left UNCONFIRMED still takes its outcome when it comes.
      await afterTheAnswer(
        lifeCycle.publishConfirmed(db, request.requestId),
        request.requestId,
        'an acknowledged retry was not marked PROCESSING',
      );
      await markAccepted(request.requestId, phoneNumber, key);
    }
    return { requestId: request.requestId, created: false };
  };

  async function acceptRequest(phoneNumber: string, idempotencyKey?: string): Promise<AcceptedRequest> {
    const request = { requestId: randomUUID(), phoneNumber, deadline: new Date(Date.now() + deadlineMs) };
    if (!idempotencyKey) {
      await newRequests.add(request);
      await publish(request);
      return { requestId: request.requestId, created: true };
    }
    if (!(await keyedRequests.add({ ...request, idempotencyKey }))) return retryWithKey(phoneNumber, idempotencyKey);
    await publish(request);
    await markAccepted(request.requestId, phoneNumber, idempotencyKey);
    return { requestId: request.requestId, created: true };
  }
  /** Waits for the requests and marks being stored (before the pool closes). */
  const close = () => Promise.all([newRequests.drained(), keyedRequests.drained(), acceptedKeys.drained()]).then(() => undefined);
  return Object.assign(acceptRequest, { close });
}

export type AcceptRequest = ReturnType<typeof createRequestAcceptor>;
