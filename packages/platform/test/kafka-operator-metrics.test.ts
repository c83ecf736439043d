import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMetrics, type Metrics } from '../src/http/metrics.ts';
import { createLogger } from '../src/logging/index.ts';
import { ensureTopics, KafkaProducer, PermanentError, runConsumer, type Decoded } from '../src/kafka/index.ts';
import { testConnection, uniqueNamespace, waitFor } from '../src/testing/index.ts';

/** What an operator alerts on, as the consumer reports it: lag per group and partition, dead letters per topic. */
const logger = createLogger('kafka-operator-metrics-test', 'silent');
type Note = { body: string };
const decode = (bytes: Buffer): Decoded<Note> => {
  const text = bytes.toString();
  return text.startsWith('{') ? { ok: true, value: JSON.parse(text) as Note } : { ok: false, reason: 'not JSON' };
};

/** The sample of `name` for this group and topic (and partition), from the registry as /metrics shows it; 0 when absent. */
async function sample(metrics: Metrics, name: string, labels: Record<string, string>): Promise<number> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((candidate) => candidate.name === name);
  const match = metric?.values.find((value) => Object.entries(labels).every(([key, wanted]) => String(value.labels[key]) === wanted));
  return match?.value ?? 0;
}

async function consumerOf(topic: string, handle: (note: Note) => Promise<void>) {
  const connection = testConnection('operator-metrics-test');
  await ensureTopics(connection, [topic], { partitions: 1, replicationFactor: 1 });
  const producer = new KafkaProducer(connection);
  const metrics = createMetrics('operator-metrics-test');
  const consumer = await runConsumer({
    connection,
    groupId: `${topic}-group`,
    topic,
    decode,
    handle,
    producer,
    logger,
    metrics,
    lagIntervalMs: 100,
  });
  return { producer, metrics, groupId: `${topic}-group`, close: async () => (await consumer.close(), await producer.close()) };
}

test('kafka_consumer_lag grows per group and partition while records wait, and falls back to 0 once they are done', async () => {
  const topic = `${uniqueNamespace()}lagging`;
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const { producer, metrics, groupId, close } = await consumerOf(topic, () => gate);
  const labels = { group: groupId, topic, partition: '0' };
  try {
    for (const body of ['a', 'b', 'c']) await producer.publish(topic, 'one-key', { body });
    await waitFor(async () => (await sample(metrics, 'kafka_consumer_lag', labels)) === 3, 'a lag of 3 on partition 0');
    release();
    await waitFor(async () => (await sample(metrics, 'kafka_consumer_lag', labels)) === 0, 'the lag to fall to 0');
  } finally {
    release();
    await close();
  }
});

test('kafka_consumer_dead_letters_total counts, per group and topic, the records sent to the dead-letter topic', async () => {
  const topic = `${uniqueNamespace()}poisoned`;
  const { producer, metrics, groupId, close } = await consumerOf(topic, async (note) => {
    if (note.body === 'refused') throw new PermanentError('refused for good');
  });
  const labels = { group: groupId, topic };
  try {
    assert.equal(await sample(metrics, 'kafka_consumer_dead_letters_total', labels), 0, 'a series from the start');
    await producer.publishRecords([{ topic, key: 'k', value: Buffer.from('not json') }]);
    await producer.publish(topic, 'k', { body: 'refused' });
    await producer.publish(topic, 'k', { body: 'fine' });
    await waitFor(async () => (await sample(metrics, 'kafka_consumer_dead_letters_total', labels)) === 2, 'two dead letters counted');
  } finally {
    await close();
  }
});
