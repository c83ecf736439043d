import { Admin } from '@platformatic/kafka';
import { testBrokers } from './brokers.ts';
import { waitFor } from './wait-for.ts';

/** The end offset (high watermark) of each partition of `topic`: how many records it has ever had, per partition. */
export async function endOffsets(topic: string, partitions: number, brokers: string[] = testBrokers): Promise<bigint[]> {
  const admin = new Admin({ clientId: 'test-offsets', bootstrapBrokers: brokers });
  try {
    const [listed] = await admin.listOffsets({
      topics: [
        { name: topic, partitions: Array.from({ length: partitions }, (_, partitionIndex) => ({ partitionIndex, timestamp: -1n })) },
      ],
    });
    const ends = Array.from({ length: partitions }, () => 0n);
    for (const partition of listed?.partitions ?? []) ends[partition.partitionIndex] = partition.offset;
    return ends;
  } finally {
    await admin.close();
  }
}

/** The offset `groupId` has committed on each partition of `topic` (-1 where it has committed nothing). */
export async function committedOffsets(
  groupId: string,
  topic: string,
  partitions: number,
  brokers: string[] = testBrokers,
): Promise<bigint[]> {
  const admin = new Admin({ clientId: 'test-offsets', bootstrapBrokers: brokers });
  try {
    const [group] = await admin.listConsumerGroupOffsets({ groups: [groupId] });
    const committed = Array.from({ length: partitions }, () => -1n);
    for (const partition of group?.topics.find((entry) => entry.name === topic)?.partitions ?? []) {
      committed[partition.partitionIndex] = partition.committedOffset;
    }
    return committed;
  } finally {
    await admin.close();
  }
}

/**
 * Waits until `groupId` has committed every record `topic` holds now: every record published before the call has been
 * handled. With a consumer that handles records concurrently, a later record's effect proves nothing about an earlier
 * one; the committed offset does, since it passes a record only once it and every record before it are done.
 */
export async function waitForConsumed(groupId: string, topic: string, partitions: number, brokers: string[] = testBrokers): Promise<void> {
  const ends = await endOffsets(topic, partitions, brokers);
  await waitFor(async () => {
    const committed = await committedOffsets(groupId, topic, partitions, brokers);
    return committed.every((offset, partition) => ends[partition] === 0n || offset >= ends[partition]!);
  }, `${groupId} to have handled everything on ${topic}`);
}
