import { Consumer, MessagesStreamFallbackModes, MessagesStreamModes } from '@platformatic/kafka';
import type { Logger } from '../logging/index.ts';
import { clientOptions, type KafkaConnection } from './connection.ts';
import type { KafkaProducer } from './producer.ts';
import { deadLetterTopic } from './topics.ts';

export interface ReplayOptions {
  connection: KafkaConnection;
  /** The main topic (`request-code`, namespaced): its `.dlq` twin is read and its records go back to it. */
  topic: string;
  producer: KafkaProducer;
  logger: Logger;
  /** Stop once no record has arrived for this long (the dead-letter topic is drained). */
  idleMs?: number;
}

/**
 * Puts every record of `<topic>.dlq` back on `<topic>`, once the cause of its failure is fixed. A consumer group of
 * its own (`<topic>.dlq.replay`) remembers how far earlier replays went, so each record is replayed once; its offset
 * is committed only after the record is durable on the main topic, and the services' consumers are idempotent on the
 * requestId, so a replay interrupted half-way may simply be run again. The reason headers are dropped; the replayed
 * record carries `x-replayed-from` (dead-letter partition and offset).
 */
export async function replayDeadLetters(options: ReplayOptions): Promise<{ replayed: number }> {
  const source = deadLetterTopic(options.topic);
  const consumer = new Consumer({
    groupId: `${source}.replay`,
    ...clientOptions(options.connection, 'dlq-replay'),
    autocommit: false,
    maxWaitTime: 200,
  });
  const stream = await consumer.consume({
    topics: [source],
    mode: MessagesStreamModes.COMMITTED,
    fallbackMode: MessagesStreamFallbackModes.EARLIEST,
  });
  let replayed = 0;
  try {
    const idleMs = options.idleMs ?? 3_000;
    const records = stream[Symbol.asyncIterator]();
    for (;;) {
      const next = await Promise.race([records.next(), idle(idleMs)]);
      if (next === 'idle' || next.done) break;
      const record = next.value;
      await options.producer.publishRecords([
        {
          topic: options.topic,
          key: record.key?.toString() ?? '',
          value: record.value ?? Buffer.alloc(0),
          headers: { 'x-replayed-from': `${source}/${record.partition}/${record.offset}` },
        },
      ]);
      await record.commit();
      replayed++;
    }
  } finally {
    await stream.close();
    await consumer.close(true);
  }
  options.logger.info({ topic: options.topic, replayed }, 'dead letters replayed');
  return { replayed };
}

const idle = (ms: number) => new Promise<'idle'>((resolve) => setTimeout(() => resolve('idle'), ms).unref());
