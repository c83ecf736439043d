import { setTimeout as sleep } from 'node:timers/promises';
import { Consumer, MessagesStreamFallbackModes, MessagesStreamModes, type Message } from '@platformatic/kafka';
import type { ConsumerOptions, ConsumerStats, RecordContext, RunningConsumer } from './consumer-types.ts';
import { backoffDelay } from '../lifecycle/backoff.ts';
import { PartitionProgress } from './partition-progress.ts';
import { PermanentError } from './permanent-error.ts';
import { deadLetterTopic } from './topics.ts';

type Record = Message<Buffer, Buffer, Buffer, Buffer>;

/**
 * Runs a consumer group member for one topic: validates each record against its contract, dead-letters the invalid
 * ones with the reason, handles the rest with bounded concurrency, and commits only offsets below which every record
 * is done (at least once, nothing lost). close() stops fetching, drains, commits and leaves the group.
 */
export async function runConsumer<T>(options: ConsumerOptions<T>): Promise<RunningConsumer> {
  const { connection, groupId, topic, logger } = options;
  const concurrency = options.concurrency ?? 64;
  const consumer = new Consumer({
    groupId,
    clientId: `${connection.clientId}-consumer`,
    bootstrapBrokers: connection.brokers,
    autocommit: false,
    sessionTimeout: options.sessionTimeoutMs ?? 10_000,
    heartbeatInterval: options.heartbeatIntervalMs ?? 1_000,
    maxWaitTime: 500,
    highWaterMark: Math.max(concurrency, 64),
  });
  const stream = await consumer.consume({
    topics: [topic],
    mode: MessagesStreamModes.COMMITTED,
    fallbackMode: MessagesStreamFallbackModes.EARLIEST,
  });
  const stats: ConsumerStats = { inFlight: 0, processed: 0, deadLettered: 0 };
  const progress = new Map<number, PartitionProgress<Record>>();
  let closing = false;
  let idle: (() => void) | undefined;

  const trackerFor = (record: Record) => {
    let tracker = progress.get(record.partition);
    // A rewind means the partition was reassigned; in-flight work of the old assignment finishes on its own tracker.
    if (!tracker || !tracker.follows(record.offset)) progress.set(record.partition, (tracker = new PartitionProgress()));
    return tracker;
  };

  const deadLetter = async (record: Record, reason: string) => {
    stats.deadLettered++;
    logger.warn({ topic, partition: record.partition, offset: String(record.offset), reason }, 'message sent to dead-letter topic');
    await options.producer.publishRecords([
      {
        topic: deadLetterTopic(topic),
        key: record.key?.toString() ?? '',
        value: record.value ?? Buffer.alloc(0),
        headers: {
          'x-dlq-reason': reason.slice(0, 1000),
          'x-original-topic': topic,
          'x-original-partition': String(record.partition),
          'x-original-offset': String(record.offset),
          'x-consumer-group': groupId,
        },
      },
    ]);
  };

  const handleWithRetries = async (record: Record, message: T) => {
    const maxAttempts = options.maxAttempts ?? 8;
    for (let attempt = 1; ; attempt++) {
      const context: RecordContext = {
        topic,
        partition: record.partition,
        offset: record.offset,
        key: record.key?.toString() ?? '',
        attempt,
      };
      try {
        return await options.handle(message, context);
      } catch (error) {
        if (error instanceof PermanentError) return deadLetter(record, `rejected: ${error.message}`);
        if (attempt >= maxAttempts || closing) {
          if (closing) throw error; // leave it uncommitted: the next owner of the partition retries it
          return deadLetter(record, `handler failed ${attempt} times: ${(error as Error).message}`);
        }
        const delay = backoffDelay(attempt, options.retryBaseDelayMs ?? 100, options.retryMaxDelayMs ?? 10_000);
        logger.warn(
          { err: error, topic, partition: record.partition, offset: String(record.offset), attempt, delay },
          'handler failed; retrying',
        );
        await sleep(delay);
      }
    }
  };

  const processRecord = async (record: Record) => {
    const decoded = options.decode(record.value ?? Buffer.alloc(0));
    if (!decoded.ok) return deadLetter(record, decoded.reason);
    await handleWithRetries(record, decoded.value);
  };

  stream.on('data', (record: Record) => {
    const tracker = trackerFor(record);
    tracker.start(record.offset, record);
    stats.inFlight++;
    if (stats.inFlight >= concurrency) stream.pause();
    processRecord(record)
      .then(() => {
        stats.processed++;
        const committable = tracker.finish(record.offset);
        if (committable)
          Promise.resolve(committable.commit()).catch((error) =>
            logger.warn({ err: error }, 'offset commit failed; the range is redelivered'),
          );
      })
      .catch((error) => logger.error({ err: error, offset: String(record.offset) }, 'message left uncommitted'))
      .finally(() => {
        stats.inFlight--;
        if (closing) {
          if (stats.inFlight === 0) idle?.();
        } else if (stream.isPaused() && stats.inFlight < concurrency) stream.resume();
      });
  });
  stream.on('error', (error) => logger.error({ err: error }, 'consumer stream error'));

  return {
    stats,
    async close() {
      closing = true;
      stream.pause();
      if (stats.inFlight > 0) {
        const drained = new Promise<void>((resolve) => (idle = resolve));
        await Promise.race([drained, sleep(options.drainTimeoutMs ?? 10_000)]);
      }
      await stream.close().catch((error: Error) => logger.warn({ err: error }, 'closing the consumer stream failed'));
      await consumer.close(true);
    },
  };
}
