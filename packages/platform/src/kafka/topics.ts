import { Admin } from '@platformatic/kafka';
import { clientOptions, type KafkaConnection } from './connection.ts';

export const deadLetterTopic = (topic: string): string => `${topic}.dlq`;

export interface TopicLayout {
  partitions: number;
  replicationFactor: number;
}

/** Creates each topic and its dead-letter topic when missing. Safe when several processes start together. */
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
    try {
      await admin.createTopics({ topics: toCreate, partitions: layout.partitions, replicas: layout.replicationFactor });
    } catch (error) {
      // Another process may have created some of them in the meantime; only a topic still missing is a failure.
      if ((await missing()).length > 0) throw error;
    }
  } finally {
    await admin.close();
  }
}
