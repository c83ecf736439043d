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
 * key, whether the first attempt failed, timed out or is still in flight, publishes that same requestId again until
 * its outcome is recorded (every consumer is idempotent on it) and answers 202 with it once acknowledged. A publish
 * that was not acknowledged leaves the request UNCONFIRMED, never deleted: the record may still have reached the
 * broker, and its code must then reach the customer.
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
  /**
   * Bookkeeping written after the broker's answer: logged when it fails, never what the customer is told (the broker's
   * answer alone decides that, and what the bookkeeping would have recorded follows anyway).
   */
  const afterTheAnswer = (work: Promise<void>, requestId: string, failed: string): Promise<void> =>
    work.catch((err: unknown) => logger.warn({ err, requestId }, failed));

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

  /**
   * The key is taken: its request, published again while it has no outcome. The broker may hold it already (consumers
   * are idempotent on requestId), or not: the first attempt failed, timed out, or its process died between the row and
   * the record. Once an outcome is recorded the record certainly arrived, and nothing is published.
   */
  const retryWithKey = async (phoneNumber: string, key: string): Promise<AcceptedRequest> => {
    const first = await idempotencyStore.find(db, phoneNumber, key);
    const request = first && (await lifeCycle.find(db, first.requestId));
    if (!first || !request) throw GatewayErrors.IDEMPOTENCY_KEY_RELEASED('This Idempotency-Key was released meanwhile; retry it.');
    if (request.state === 'PROCESSING' || request.state === 'UNCONFIRMED') {
      await publish(request);
      // Accepted once the broker has it; a row left UNCONFIRMED still takes its outcome when it comes.
      await afterTheAnswer(
        lifeCycle.publishConfirmed(db, request.requestId),
        request.requestId,
        'an acknowledged retry was not marked PROCESSING',
      );
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
    return { requestId: request.requestId, created: true };
  }
  /** Waits for the requests being stored (before the pool closes). */
  const close = () => Promise.all([newRequests.drained(), keyedRequests.drained()]).then(() => undefined);
  return Object.assign(acceptRequest, { close });
}

export type AcceptRequest = ReturnType<typeof createRequestAcceptor>;
