import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Admin } from '@platformatic/kafka';
import { createLogger } from '../src/logging/index.ts';
import { deadLetterTopic, ensureTopics, KafkaProducer, PermanentError, runConsumer, type RunningConsumer } from '../src/kafka/index.ts';
import { decodeNote, type Note } from './fixtures/notes.ts';
import {
  collectTopic,
  endOffsets,
  everyMessage,
  expectTestBroker,
  testBrokers,
  testConnection,
  uniqueNamespace,
  waitFor,
} from '../src/testing/index.ts';

const logger = createLogger('kafka-test', 'silent');

describe('Kafka through the platform wrapper (real broker)', () => {
  const connection = testConnection('kafka-test');
  const producer = new KafkaProducer(connection);
  const consumers: RunningConsumer[] = [];
  const newTopic = async () => {
    const topic = `${uniqueNamespace()}notes`;
    await ensureTopics(connection, [topic], { partitions: 2, replicationFactor: 1 });
    return topic;
  };
  const consume = async (topic: string, groupId: string, handle: (note: Note) => Promise<void>, concurrency = 16) => {
    const consumer = await runConsumer({
      connection,
      groupId,
      topic,
      decode: decodeNote,
      handle,
      producer,
      logger,
      concurrency,
      retryBaseDelayMs: 10,
    });
    consumers.push(consumer);
    return consumer;
  };

  before(expectTestBroker);
  after(async () => {
    for (const consumer of consumers) await consumer.close();
    await producer.close();
  });

  test('a message produced is consumed with its key and value', async () => {
    const topic = await newTopic();
    const seen: string[] = [];
    await consume(topic, `${topic}-group`, async (note) => void seen.push(note.body));
    await producer.publish(topic, '+84909123456', { body: 'hello' });
    await waitFor(() => seen.includes('hello') || undefined, 'the message to be consumed');
    assert.deepEqual(seen, ['hello']);
  });

  test('many concurrent publishes are batched and every one is acknowledged and delivered once', async () => {
    const topic = await newTopic();
    const bodies = Array.from({ length: 500 }, (_, index) => `note-${index}`);
    await Promise.all(bodies.map((body) => producer.publish(topic, body, { body })));
    const collected = await collectTopic(topic);
    try {
      await waitFor(() => (collected.records.length >= bodies.length ? true : undefined), 'all 500 records');
      const seen = collected.records.map((record) => (JSON.parse(record.value) as Note).body).sort();
      assert.deepEqual(seen, bodies.slice().sort());
    } finally {
      await collected.stop();
    }
  });

  test(
    'a record the broker refuses for good fails its publish at once, not at the deadline; the producer goes on',
    { timeout: 60_000 },
    async () => {
      const topic = await newTopic();
      // A deadline far past the test's own timeout: only a publish that stops retrying can reject in time.
      const patient = new KafkaProducer(connection, { deadlineMs: 600_000 });
      try {
        const tooLarge = Buffer.alloc(2 * 1024 * 1024, 'x'); // the broker's message.max.bytes is 1 MiB
        await assert.rejects(patient.publishRecords([{ topic, key: 'big', value: tooLarge }]), (error: Error) =>
          /larger than/i.test(everyMessage(error)),
        );
        await patient.publish(topic, 'small', { body: 'after the refusal' });
        const collected = await collectTopic(topic);
        try {
          await waitFor(() => collected.records.find((record) => record.key === 'small'), 'the small record');
          assert.deepEqual(
            collected.records.map((record) => record.key),
            ['small'],
            'the refused record was never written',
          );
        } finally {
          await collected.stop();
        }
      } finally {
        await patient.close();
      }
    },
  );

  test('a poison message goes to the dead-letter topic with the reason, and the next message is still handled', async () => {
    const topic = await newTopic();
    const seen: string[] = [];
    await consume(topic, `${topic}-group`, async (note) => void seen.push(note.body));
    await producer.publishRecords([
      { topic, key: 'k', value: Buffer.from('{not json') },
      { topic, key: 'k', value: Buffer.from(JSON.stringify({ body: 42 })) },
    ]);
    await producer.publish(topic, 'k', { body: 'after the poison' });
    await waitFor(() => seen.includes('after the poison') || undefined, 'the valid message after the poison');
    const dlq = await collectTopic(deadLetterTopic(topic));
    try {
      await waitFor(() => dlq.records.length >= 2 || undefined, 'two dead letters');
      assert.deepEqual(
        dlq.records.map((record) => record.headers['x-dlq-reason']),
        ['not JSON', 'body must be a string'],
      );
      assert.equal(dlq.records[0]!.value, '{not json', 'the original bytes are kept');
      assert.equal(dlq.records[0]!.headers['x-original-topic'], topic);
    } finally {
      await dlq.stop();
    }
    assert.deepEqual(seen, ['after the poison']);
  });

  // Until issue 9 a handler that kept failing was dead-lettered after a number of attempts; now only a message the
  // handler rejects as bad is (PermanentError), at once (see kafka-retries.test.ts for transient failures).
  test('a message the handler rejects is dead-lettered at once and does not block the partition', async () => {
    const topic = await newTopic();
    const seen: string[] = [];
    await consume(topic, `${topic}-group`, async (note) => {
      if (note.body === 'explodes') throw new PermanentError('boom');
      seen.push(note.body);
    });
    await producer.publish(topic, 'same-key', { body: 'explodes' });
    await producer.publish(topic, 'same-key', { body: 'next' });
    await waitFor(() => seen.includes('next') || undefined, 'the next message');
    const dlq = await collectTopic(deadLetterTopic(topic));
    try {
      const [letter] = await waitFor(() => (dlq.records.length ? dlq.records : undefined), 'the dead letter');
      assert.equal(letter!.headers['x-dlq-reason'], 'rejected: boom');
    } finally {
      await dlq.stop();
    }
  });

  test('a slow message holds the committed offset back; killed before it finishes, the consumer gets it again after restart', async () => {
    const topic = `${uniqueNamespace()}slow`;
    // Two partitions: the messages on one, and on the other a marker whose commit shows the consumer's earlier ones landed.
    await ensureTopics(connection, [topic], { partitions: 2, replicationFactor: 1 });
    const groupId = `${topic}-group`;
    const child = spawn(process.execPath, [fileURLToPath(new URL('./fixtures/test-consumer.ts', import.meta.url)), topic, groupId], {
      env: { ...process.env, KAFKA_BROKERS: testBrokers.join(',') },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines: string[] = [];
    createInterface({ input: child.stdout! }).on('line', (line) => lines.push(line));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      await waitFor(() => lines.includes('ready') || undefined, 'the consumer process to start', 30_000);
      for (const body of ['first', 'slow', 'third', 'fourth']) await producer.publish(topic, 'one-partition', { body });
      await waitFor(() => (lines.includes('done first') && lines.includes('done fourth')) || undefined, 'the fast messages', 30_000);

      const admin = new Admin({ clientId: 'offset-reader', bootstrapBrokers: testBrokers });
      const committed = async (partition: number) => {
        const [group] = await admin.listConsumerGroupOffsets({ groups: [groupId] });
        return group?.topics.find((entry) => entry.name === topic)?.partitions.find((p) => p.partitionIndex === partition)?.committedOffset;
      };
      try {
        await waitFor(async () => ((await committed(0)) === 1n ? true : undefined), 'the offset after "first" to be committed');
        // The consumer's commits go out one request at a time, each carrying every offset queued before it: once the
        // marker's commit has landed, any commit made when "third" and "fourth" finished has landed too.
        await producer.publish(topic, 'elsewhere', { body: 'marker' });
        assert.deepEqual(await endOffsets(topic, 2), [4n, 1n], 'the marker is alone on the other partition');
        await waitFor(async () => ((await committed(1)) === 1n ? true : undefined), "the marker's commit", 30_000);
        assert.equal(await committed(0), 1n, '"third" and "fourth" are done, but "slow" (offset 1) holds the commit at 1');
      } finally {
        await admin.close();
      }
    } finally {
      child.kill('SIGKILL');
      await exited;
    }

    const redelivered: string[] = [];
    await consume(topic, groupId, async (note) => void redelivered.push(note.body));
    await waitFor(() => (redelivered.length >= 3 ? true : undefined), 'the redelivery after restart', 30_000);
    assert.deepEqual(
      redelivered.slice().sort(),
      ['fourth', 'slow', 'third'],
      'nothing below the slow message is lost; from it on, at least once',
    );
  });
});
