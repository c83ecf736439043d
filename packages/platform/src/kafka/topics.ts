import { setTimeout as sleep } from 'node:timers/promises';
import { Admin } from '@platformatic/kafka';
import { clientOptions, type KafkaConnection } from './connection.ts';

const CREATE_ATTEMPTS = 5;
const CREATE_RETRY_MS = 500;

export const deadLetterTopic = (topic: string): string => `${topic}.dlq`;

export interface TopicLayout {
  partitions: number;
  /** Copies of each partition; unset, decided from the cluster's size (see replicationFor). */
  replicationFactor?: number;
}

/**
 * How a topic is replicated: three copies once the cluster has three brokers (as many as it has below that), and
 * `min.insync.replicas=2` with three copies or more, so an acks=all write survives the loss of any one broker and a
 * broker may be down without stopping writes. One copy, one in sync, on a lone broker.
 */
export function replicationFor(brokers: number, replicationFactor?: number): { replicationFactor: number; minInSyncReplicas: number } {
  const factor = replicationFactor ?? Math.max(1, Math.min(3, brokers));
  return { replicationFactor: factor, minInSyncReplicas: factor >= 3 ? 2 : 1 };
}

/**
 * Creates each topic and its dead-letter topic when missing, replicated as replicationFor says (the brokers counted
 * from the cluster's metadata unless the layout names a factor). Safe when several processes start together.
 */
export async function ensureTopics(connection: KafkaConnection, topics: string[], layout: TopicLayout): Promise<void> {
  const admin = new Admin(clientOptions(connection, 'admin'));
  try {
    const wanted = topics.flatMap((topic) => [topic, deadLetterTopic(topic)]);
    const missing = async () => {
      const existing = new Set(await admin.listTopics({ includeInternals: false }));
      return wanted.filter((topic) => !existing.has(topic));
    };
    const toCreate = await missing();
    if (toCreate.length === 0) return;
    const brokers = layout.replicationFactor === undefined ? (await admin.metadata({ topics: [] })).brokers.size : 0;
    const { replicationFactor, minInSyncReplicas } = replicationFor(brokers, layout.replicationFactor);
    const create = (topics: string[]) =>
      admin.createTopics({
        topics,
        partitions: layout.partitions,
        replicas: replicationFactor,
        configs: [{ name: 'min.insync.replicas', value: String(minInSyncReplicas) }],
      });
    // A broker that has just started can refuse CreateTopics until its controller is ready: a few short retries.
    for (let attempt = 1, left = toCreate; ; attempt++) {
      try {
        await create(left);
        return;
      } catch (error) {
        // Another process may have created some of them in the meantime; only a topic still missing is a failure.
        left = await missing();
        if (left.length === 0) return;
        if (attempt >= CREATE_ATTEMPTS) throw error;
        await sleep(CREATE_RETRY_MS * attempt);
      }
    }
  } finally {
    await admin.close();
  }
}
