import { Batcher } from '@voucher/platform/batching';
import type { Database } from '@voucher/platform/database';
import { backoffDelay, startPeriodicTask, type LeasingWorkerSettings, type TaskTimers } from '@voucher/platform/lifecycle';
import type { Logger } from '@voucher/platform/logging';
import type { IntegrationMetrics } from '../metrics.ts';
import type { OutcomePublisher } from '../receive-code-publisher.ts';
import { outbox, type OutboxRow } from './outbox.ts';

/** batchSize records go out in one produce request; leaseMs must be longer than a publish can take (its deadline). */
export interface OutboxRelayOptions extends LeasingWorkerSettings {
  db: Database;
  publisher: OutcomePublisher;
  metrics: IntegrationMetrics;
  logger: Logger;
  /** Node's timers by default; a test passes a testClock to see when the relay looks next. */
  timers?: TaskTimers;
}

export interface OutboxRelay {
  /** Look for due records now (an outcome was just committed). */
  poke(): void;
  /**
   * Publish these records now: they were just committed held for this relay (RequestStore's `outboxHoldMs`), so no
   * other relay takes them meanwhile. Records committed at the same time go out in one produce request.
   */
  publishNow(rows: OutboxRow[]): void;
  /** One pass: lease due records, publish them, delete them. True when a full batch was found. */
  runOnce(): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * Publishes the receive-code records that settled outcomes left in the outbox, on every replica at once (leases with
 * SKIP LOCKED). No transaction is open while the broker is asked: the records are leased first (or committed already
 * held for this relay, which then publishes them at once: `publishNow`), published in one produce request, then
 * deleted. A publish that fails (the broker is down) is tried again with backoff for as long as it takes; one cut short
 * by a crash, or whose delete failed, is published again after its lease, which consumers shrug off (they are
 * idempotent on requestId). Pokes wake it at once; it also polls, so a record committed by a replica that died before
 * publishing it, or left by an earlier run, still goes out.
 */
export function startOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { db, publisher, metrics, logger } = options;
  /** When records whose publish failed are due again, if sooner than the next poll. */
  let retryInMs: number | undefined;

  /** Publishes leased rows and deletes them, or makes them due again after a backoff; never throws. */
  const publishRows = async (rows: OutboxRow[]): Promise<boolean> => {
    const ids = rows.map((row) => row.id);
    // The send's start, not its acknowledgement: a consumer may take the records before the ack arrives here.
    const sentAt = new Date();
    try {
      await publisher.publish(
        rows.map((row) => row.message),
        rows.map((row) => row.traceContext ?? {}),
      );
    } catch (error) {
      const attempts = Math.max(...rows.map((row) => row.attempts));
      const delayMs = backoffDelay(attempts, options.retryBaseMs, options.retryMaxMs);
      metrics.outboxPublishFailures.inc();
      logger.warn({ err: error, records: rows.length, attempts, delayMs }, 'receive-code records not published; retrying later');
      retryInMs = Math.min(retryInMs ?? delayMs, delayMs);
      // Left as they are if this fails too: due again once their lease is over.
      await outbox.retryIn(db, ids, delayMs).catch((err: unknown) => logger.warn({ err }, 'could not reschedule unpublished records'));
      return false;
    }
    metrics.outboxPublished.inc(rows.length);
    // Published: a failed delete only means they go out once more after their lease.
    await outbox.remove(db, ids, sentAt).catch((err: unknown) => logger.warn({ err }, 'published records not deleted; sent again later'));
    return true;
  };

  const runOnce = async () => {
    const rows = await outbox.lease(db, options.leaseMs, options.batchSize);
    if (rows.length === 0) {
      // A retry's timer can fire a little before its records are due by the database's clock (the event loop's notion
      // of now lags under load): look again when the earliest is due, rather than a whole poll later.
      const dueInMs = await outbox.nextDueInMs(db);
      if (dueInMs !== undefined && dueInMs < options.pollMs) retryInMs = Math.min(retryInMs ?? Infinity, dueInMs + 1);
      return false;
    }
    return (await publishRows(rows)) && rows.length === options.batchSize;
  };

  // Each flush publishes what was committed meanwhile; two at once, so a produce never waits for the last one's delete.
  const immediate = new Batcher<OutboxRow>(
    async (rows) => {
      if (!(await publishRows(rows))) task.poke();
      return rows.map(() => undefined);
    },
    { maxBatch: options.batchSize, maxInFlight: 2 },
  );

  const task = startPeriodicTask('outbox relay', options.pollMs, runOnce, logger, {
    // At once: records an earlier run (or a replica that died) left behind go out without waiting for a poll.
    firstRunMs: 0,
    nextRunMs: () => {
      const next = retryInMs;
      retryInMs = undefined;
      return next;
    },
    // One last pass for what the consumer and the callbacks committed while they drained; what it cannot publish
    // stays in the outbox for the next relay.
    runOnClose: true,
    timers: options.timers,
  });
  return {
    poke: task.poke,
    publishNow: (rows) => rows.forEach((row) => void immediate.add(row)),
    runOnce,
    async close() {
      await immediate.drained();
      await task.close();
    },
  };
}
