import { Admin } from '@platformatic/kafka';
import { testBrokers } from './brokers.ts';

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
