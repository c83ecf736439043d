import { collectTopic, endOffsets, waitFor, type CollectedRecord } from '@voucher/platform/testing';

export type TopicRecord = CollectedRecord;

/**
 * Every record `topic` holds, read from the beginning by a consumer group of the run's own (the test kit's
 * collectTopic), up to the end offsets of the moment of the call (the topic is quiet by then). An absent topic reads
 * as empty.
 */
export async function readTopic(brokers: string[], topic: string, partitions: number, timeoutMs = 30_000): Promise<TopicRecord[]> {
  let ends: bigint[];
  try {
    ends = await endOffsets(topic, partitions, brokers);
  } catch {
    return [];
  }
  if (ends.every((end) => end === 0n)) return [];
  const collected = await collectTopic(topic, brokers);
  try {
    const reached = (partition: number, end: bigint) =>
      end === 0n || collected.records.some((record) => record.partition === partition && record.offset >= end - 1n);
    await waitFor(() => ends.every((end, partition) => reached(partition, end)) || undefined, `every record of ${topic}`, timeoutMs);
    return [...collected.records];
  } finally {
    await collected.stop();
  }
}
