import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Admin } from '@platformatic/kafka';
import { pino } from 'pino';
import {
  deadLetterTopic,
  ensureTopics,
  KafkaProducer,
  PermanentError,
  runConsumer,
  type ConsumerOptions,
  type RunningConsumer,
} from '../src/kafka/index.ts';
import { decodeNote, type Note } from './fixtures/notes.ts';
import {
  collectTopic,
  committedOffsets,
  endOffsets,
  expectTestBroker,
  testBrokers,
  testConnection,
  uniqueNamespace,
  waitFor,
} from '../src/testing/index.ts';

/**
 * Which failures dead-letter a message (issue 9): only a message that fails its contract, or one the handler rejects
 * as bad (PermanentError, or any error whose `retryable` is false). Every other failure is retried for as long as the
 * consumer runs, and the record's offset is committed only once it is done.
 */
/** An error of the kind issue 13 introduces: a package's own error class that says whether a retry can help. */
class RejectedByRule extends Error {
  readonly retryable = false;
}

/** A logger whose lines the test can wait on. */
function capturingLogger() {
  const lines: Array<{ msg: string; [field: string]: unknown }> = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as { msg: string }) });
  return { logger, count: (msg: string) => lines.filter((line) => line.msg === msg).length };
}

describe('which failures dead-letter a message (real broker)', () => {
  const connection = testConnection('kafka-retries-test');
  const producer = new KafkaProducer(connection);
  const consumers: RunningConsumer[] = [];
  const newTopic = async () => {
    const topic = `${uniqueNamespace()}notes`;
    await ensureTopics(connection, [topic], { partitions: 1, replicationFactor: 1 });
    return topic;
  };
  const consume = async (topic: string, handle: ConsumerOptions<Note>['handle'], overrides: Partial<ConsumerOptions<Note>> = {}) => {
    const consumer = await runConsumer({
      connection,
      groupId: `${topic}-group`,
      topic,
      decode: decodeNote,
      handle,
      producer,
      logger: pino({ level: 'silent' }),
      retryBaseDelayMs: 5,
      retryMaxDelayMs: 20,
      ...overrides,
    });
    consumers.push(consumer);
    return consumer;
  };
  const deadLetters = async (topic: string) => (await endOffsets(deadLetterTopic(topic), 1))[0];

  before(expectTestBroker);
  after(async () => {
    for (const consumer of consumers) await consumer.close();
    await producer.close();
  });

  test('a handler that throws a plain Error 12 times and then succeeds is not dead-lettered, and its record is committed once done', async () => {
    const topic = await newTopic();
    const attempts: number[] = [];
    const done: string[] = [];
    const consumer = await consume(topic, async (note, context) => {
      if (note.body === 'patience') {
        attempts.push(context.attempt);
        if (context.attempt <= 12) throw new Error(`the database is unavailable (attempt ${context.attempt})`);
      }
      done.push(note.body);
    });
    await producer.publish(topic, 'k', { body: 'patience' });
    await producer.publish(topic, 'k', { body: 'behind it' });
    await waitFor(
      async () => ((await committedOffsets(`${topic}-group`, topic, 1))[0] === 2n ? true : undefined),
      'both offsets committed',
    );
    assert.deepEqual(done.slice().sort(), ['behind it', 'patience'], 'each handled once');
    assert.deepEqual(
      attempts,
      Array.from({ length: 13 }, (_, index) => index + 1),
    );
    assert.equal(consumer.stats.deadLettered, 0);
    assert.equal(consumer.stats.retries, 12);
    assert.equal(await deadLetters(topic), 0n, 'nothing on the dead-letter topic');
  });

  test('while a record is being retried, the records behind it on its partition are not committed past it', async () => {
    const topic = await newTopic();
    let healthy = false;
    const done: string[] = [];
    await consume(topic, async (note) => {
      if (note.body === 'stuck' && !healthy) throw new Error('timeout');
      done.push(note.body);
    });
    for (const body of ['first', 'stuck', 'third', 'fourth']) await producer.publish(topic, 'k', { body });
    await waitFor(() => (done.includes('fourth') ? true : undefined), 'the records behind the stuck one to be handled');
    await waitFor(
      async () => ((await committedOffsets(`${topic}-group`, topic, 1))[0] === 1n ? true : undefined),
      'the commit after "first"',
    );
    assert.equal((await committedOffsets(`${topic}-group`, topic, 1))[0], 1n, 'held at the stuck record (offset 1)');
    healthy = true;
    await waitFor(async () => ((await committedOffsets(`${topic}-group`, topic, 1))[0] === 4n ? true : undefined), 'everything committed');
    assert.equal(await deadLetters(topic), 0n);
  });

  test('a handler that throws PermanentError dead-letters the record at once', async () => {
    const topic = await newTopic();
    const attempts: number[] = [];
    await consume(topic, async (_note, context) => {
      attempts.push(context.attempt);
      throw new PermanentError('this code already belongs to another request');
    });
    await producer.publish(topic, 'k', { body: 'duplicate code' });
    const dlq = await collectTopic(deadLetterTopic(topic));
    try {
      const [letter] = await waitFor(() => (dlq.records.length ? dlq.records : undefined), 'the dead letter');
      assert.equal(letter!.headers['x-dlq-reason'], 'rejected: this code already belongs to another request');
      assert.equal(JSON.parse(letter!.value).body, 'duplicate code');
    } finally {
      await dlq.stop();
    }
    assert.deepEqual(attempts, [1], 'no retry');
    await waitFor(async () => ((await committedOffsets(`${topic}-group`, topic, 1))[0] === 1n ? true : undefined), 'its offset committed');
  });

  test('a handler that throws any error whose retryable is false dead-letters the record at once', async () => {
    const topic = await newTopic();
    const attempts: number[] = [];
    await consume(topic, async (note, context) => {
      attempts.push(context.attempt);
      if (note.body === 'plain object') throw Object.assign(new Error('refused by the VPS'), { retryable: false });
      throw new RejectedByRule('the phone number is not a Vietnamese mobile number');
    });
    await producer.publish(topic, 'k', { body: 'class with the flag' });
    await producer.publish(topic, 'k', { body: 'plain object' });
    const dlq = await collectTopic(deadLetterTopic(topic));
    try {
      await waitFor(() => (dlq.records.length >= 2 ? true : undefined), 'two dead letters');
      assert.deepEqual(
        dlq.records.map((record) => record.headers['x-dlq-reason']),
        ['rejected: the phone number is not a Vietnamese mobile number', 'rejected: refused by the VPS'],
      );
    } finally {
      await dlq.stop();
    }
    assert.deepEqual(attempts, [1, 1]);
  });

  test('a failed publish to the dead-letter topic is retried until it succeeds; the record stays uncommitted meanwhile', async () => {
    const topic = `${uniqueNamespace()}notes`;
    const admin = new Admin({ clientId: 'kafka-retries-test-admin', bootstrapBrokers: testBrokers });
    const dlqProducer = new KafkaProducer(connection, { deadlineMs: 3_000, retries: 1 });
    const { logger, count } = capturingLogger();
    try {
      // The topic without its dead-letter twin: publishing a dead letter fails (the broker creates no topic itself).
      await admin.createTopics({ topics: [topic], partitions: 1, replicas: 1 });
      const consumer = await consume(topic, async () => {}, { producer: dlqProducer, logger });
      await producer.publishRecords([{ topic, key: 'k', value: Buffer.from('{not json') }]);
      await waitFor(() => (count('publishing a dead letter failed; retrying') >= 2 ? true : undefined), 'two failed dead-letter publishes');
      assert.equal((await committedOffsets(`${topic}-group`, topic, 1))[0], -1n, 'the poison record is not committed');
      assert.equal(consumer.stats.deadLettered, 0);

      await admin.createTopics({ topics: [deadLetterTopic(topic)], partitions: 1, replicas: 1 });
      await waitFor(async () => ((await committedOffsets(`${topic}-group`, topic, 1))[0] === 1n ? true : undefined), 'the commit', 30_000);
      assert.equal(await deadLetters(topic), 1n, 'dead-lettered exactly once');
      assert.equal(consumer.stats.deadLettered, 1);
    } finally {
      await admin.close();
    }
    await waitFor(() => (consumers.at(-1)!.stats.inFlight === 0 ? true : undefined), 'the consumer idle');
    await consumers.pop()!.close();
    await dlqProducer.close();
  });

  test('close() gives up on a record being retried and leaves it uncommitted: the next member of the group gets it', async () => {
    const topic = await newTopic();
    const first = await consume(topic, async () => {
      throw new Error('the SMS gateway is down');
    });
    await producer.publish(topic, 'k', { body: 'retry me' });
    await waitFor(() => (first.stats.retries >= 3 ? true : undefined), 'a few retries');
    await first.close();
    consumers.splice(consumers.indexOf(first), 1);
    assert.equal(first.health().state, 'closed');
    assert.equal((await committedOffsets(`${topic}-group`, topic, 1))[0], -1n, 'nothing committed');
    assert.equal(await deadLetters(topic), 0n, 'nothing dead-lettered');

    const seen: string[] = [];
    await consume(topic, async (note) => void seen.push(note.body));
    await waitFor(() => (seen.length ? true : undefined), 'the redelivery');
    assert.deepEqual(seen, ['retry me']);
  });
});
