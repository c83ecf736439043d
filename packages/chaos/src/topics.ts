import { randomUUID } from 'node:crypto';
import { Consumer, MessagesStreamFallbackModes, MessagesStreamModes } from '@platformatic/kafka';
import { endOffsets } from '@voucher/platform/testing';

export interface TopicRecord {
  key: string;
  value: string;
  headers: Record<string, string>;
  partition: number;
  offset: bigint;
}

/**
 * Every record `topic` holds, read from the beginning by a consumer group of the run's own, up to the end offsets of
 * the moment of the call (the topic is quiet by then). An absent topic reads as empty.
 */
export async function readTopic(brokers: string[], topic: string, partitions: number, timeoutMs = 30_000): Promise<TopicRecord[]> {
  let ends: bigint[];
  try {
    ends = await endOffsets(topic, partitions, brokers);
  } catch {
    return [];
  }
  const remaining = new Set(ends.flatMap((end, partition) => (end > 0n ? [partition] : [])));
  if (remaining.size === 0) return [];
  const consumer = new Consumer({
    groupId: `chaos-reader-${randomUUID()}`,
    clientId: 'chaos-reader',
    bootstrapBrokers: brokers,
    maxWaitTime: 200,
    autocommit: false,
  });
  const records: TopicRecord[] = [];
  try {
    const stream = await consumer.consume({
      topics: [topic],
      mode: MessagesStreamModes.EARLIEST,
      fallbackMode: MessagesStreamFallbackModes.EARLIEST,
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`reading ${topic} took more than ${timeoutMs} ms`)), timeoutMs);
      stream.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      stream.on('data', (message) => {
        const headers: Record<string, string> = {};
        for (const [name, value] of message.headers) headers[String(name)] = String(value);
        records.push({
          key: message.key?.toString() ?? '',
          value: message.value?.toString() ?? '',
          headers,
          partition: message.partition,
          offset: message.offset,
        });
        if (message.offset >= ends[message.partition]! - 1n) remaining.delete(message.partition);
        if (remaining.size === 0) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    await stream.close();
  } finally {
    await consumer.close(true).catch(() => {});
  }
  return records;
}
