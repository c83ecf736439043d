import type { Database } from '@voucher/platform/database';
import { backoffDelay, startPeriodicTask } from '@voucher/platform/lifecycle';
import type { Logger } from '@voucher/platform/logging';
import type { IntegrationMetrics } from '../metrics.ts';
import type { OutcomePublisher } from '../receive-code-publisher.ts';
import { outbox } from './outbox.ts';

export interface OutboxRelayOptions {
  db: Database;
  publisher: OutcomePublisher;
  metrics: IntegrationMetrics;
  logger: Logger;
  /** How often due records are looked for when nobody pokes the relay. */
  pollMs: number;
  /** Records leased, and published in one produce request, per pass. */
  batchSize: number;
  /** How long leased records are left to their relay; longer than a publish can take (the producer's deadline). */
  leaseMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
}

export interface OutboxRelay {
  /** Look for due records now (an outcome was just committed). */
  poke(): void;
  /** One pass: lease due records, publish them, delete them. True when a full batch was found. */
  runOnce(): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * Publishes the receive-code records that settled outcomes left in the outbox, on every replica at once (leases with
 * SKIP LOCKED). No transaction is open while the broker is asked: the lease is committed first, the records are
 * published in one produce request, then deleted. A publish that fails (the broker is down) is tried again with
 * backoff for as long as it takes; one cut short by a crash, or whose delete failed, is published again after its
 * lease, which consumers shrug off (they are idempotent on requestId). Pokes wake it at once; it also polls, so a
 * record committed by a replica that died before its poke, or left by an earlier run, still goes out.
 */
export function startOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { db, publisher, metrics, logger } = options;
  /** When records whose publish failed are due again, if sooner than the next poll. */
  let retryInMs: number | undefined;

  const runOnce = async () => {
    const rows = await outbox.lease(db, options.leaseMs, options.batchSize);
    if (rows.length === 0) return false;
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
      await outbox.retryIn(db, ids, delayMs);
      retryInMs = Math.min(retryInMs ?? delayMs, delayMs);
      return false;
    }
    metrics.outboxPublished.inc(rows.length);
    await outbox.remove(db, ids, sentAt);
    return rows.length === options.batchSize;
  };

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
  });
  return { poke: task.poke, runOnce, close: task.close };
}
