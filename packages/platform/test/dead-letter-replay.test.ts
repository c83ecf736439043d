import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createLogger } from '../src/logging/index.ts';
import { ensureTopics, KafkaProducer, PermanentError, replayDeadLetters, runConsumer, type Decoded } from '../src/kafka/index.ts';
import { collectTopic, testConnection, uniqueNamespace, waitFor } from '../src/testing/index.ts';

const logger = createLogger('dlq-replay-test', 'silent');
const connection = testConnection('dlq-replay-test');
const producer = new KafkaProducer(connection);
after(() => producer.close());

const decodeText = (bytes: Buffer): Decoded<string> => ({ ok: true, value: bytes.toString() });

test('a record dead-lettered while its cause stood is handled once after the cause is fixed and the topic replayed', async () => {
  const topic = `${uniqueNamespace()}orders`;
  await ensureTopics(connection, [topic], { partitions: 2, replicationFactor: 1 });
  let fixed = false;
  const handled: string[] = [];
  const consumer = await runConsumer({
    connection,
    groupId: `${topic}.group`,
    topic,
    decode: decodeText,
    producer,
    logger,
    handle: async (text) => {
      if (!fixed) throw new PermanentError('the price list is missing');
      handled.push(text);
    },
  });
  const deadLetters = await collectTopic(`${topic}.dlq`);
  try {
    await producer.publishRecords([{ topic, key: 'k1', value: Buffer.from('order-1') }]);
    await waitFor(() => deadLetters.records.length === 1 || undefined, 'the record to be dead-lettered');
    assert.deepEqual(handled, []);

    fixed = true;
    assert.deepEqual(await replayDeadLetters({ connection, topic, producer, logger, idleMs: 1_000 }), { replayed: 1 });
    await waitFor(() => handled.length === 1 || undefined, 'the replayed record to be handled');
    assert.deepEqual(handled, ['order-1']);

    assert.deepEqual(
      await replayDeadLetters({ connection, topic, producer, logger, idleMs: 1_000 }),
      { replayed: 0 },
      'a second run replays nothing',
    );
  } finally {
    await deadLetters.stop();
    await consumer.close();
  }
});
