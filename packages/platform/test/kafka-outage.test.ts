import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { createMetrics } from '../src/http/metrics.ts';
import {
  consumerNotReadyReason,
  consumerReadiness,
  deadLetterTopic,
  ensureTopics,
  KafkaProducer,
  runConsumer,
  type RunningConsumer,
} from '../src/kafka/index.ts';
import { decodeNote } from './fixtures/notes.ts';
import { committedOffsets, endOffsets, startPrivateBroker, uniqueNamespace, waitFor, type PrivateBroker } from '../src/testing/index.ts';

/**
 * Issue 9: the broker crashes (SIGKILL) under a running consumer and a producer, and comes back on the same data.
 * The consumer says it is not running meanwhile, heals by itself, and nothing produced before, during or after is
 * lost or dead-lettered; the producer publishes again without being recreated. A private broker: the shared one is
 * never touched.
 */
const PARTITIONS = 3;

describe('a broker crash under a running consumer and producer (private broker)', () => {
  let broker: PrivateBroker;
  before(async () => {
    broker = await startPrivateBroker();
  });
  after(async () => {
    await broker?.stop();
  });

  test('the consumer reports the outage, heals after the restart, and loses or dead-letters nothing', async () => {
    const connection = { brokers: broker.brokers, clientId: 'outage-test' };
    const topic = `${uniqueNamespace()}notes`;
    const groupId = `${topic}-group`;
    await ensureTopics(connection, [topic], { partitions: PARTITIONS, replicationFactor: 1 });
    // Created before the outage and used after it: it must not need a process restart.
    const producer = new KafkaProducer(connection, { deadlineMs: 5_000 });
    const metrics = createMetrics('outage-test');
    const handled = new Map<string, number>();
    let releaseHeld!: () => void;
    const held = new Promise<void>((resolve) => (releaseHeld = resolve));
    let consumer: RunningConsumer | undefined;
    try {
      consumer = await runConsumer({
        connection,
        groupId,
        topic,
        decode: decodeNote,
        handle: async (note) => {
          // "held" records are still being handled when the broker dies; they finish during the outage.
          if (note.body.startsWith('held')) await held;
          handled.set(note.body, (handled.get(note.body) ?? 0) + 1);
        },
        producer,
        logger: pino({ level: process.env.OUTAGE_LOG ?? 'silent' }, pino.destination(2)),
        metrics,
        concurrency: 16,
        reconnectBaseDelayMs: 200,
        reconnectMaxDelayMs: 2_000,
        lagIntervalMs: 500,
      });
      const ready = consumerReadiness(consumer, { stallMs: 30_000 });
      assert.doesNotThrow(ready, 'ready while consuming');

      const before = Array.from({ length: 30 }, (_, index) => `before-${index}`);
      await Promise.all(before.map((body) => producer.publish(topic, body, { body })));
      await waitFor(() => (before.every((body) => handled.has(body)) ? true : undefined), 'the records produced before the outage');
      const heldBodies = ['held-1', 'held-2', 'held-3'];
      await Promise.all(heldBodies.map((body) => producer.publish(topic, body, { body })));
      await waitFor(() => (consumer!.stats.inFlight === heldBodies.length ? true : undefined), 'the held records in flight');

      await broker.kill();
      await waitFor(() => (consumer!.health().state === 'reconnecting' ? true : undefined), 'the consumer to report the outage', 30_000);
      assert.throws(ready, /reconnecting/, 'not ready while the broker is down');
      await assert.rejects(
        producer.publish(topic, 'during', { body: 'during' }),
        'a publish during the outage fails (and is not lost silently)',
      );
      releaseHeld(); // they finish while their offsets cannot be committed

      await broker.restart();
      await waitFor(() => (consumer!.health().state === 'running' ? true : undefined), 'the consumer to reconnect', 60_000);
      assert.doesNotThrow(ready, 'ready again');

      const afterBodies = Array.from({ length: 30 }, (_, index) => `after-${index}`);
      await producer.publish(topic, afterBodies[0]!, { body: afterBodies[0] }); // the first publish after the restart works
      await Promise.all(afterBodies.slice(1).map((body) => producer.publish(topic, body, { body })));
      await waitFor(
        () => (afterBodies.every((body) => handled.has(body)) ? true : undefined),
        'the records produced after the restart',
        60_000,
      );

      const ends = await endOffsets(topic, PARTITIONS, broker.brokers);
      await waitFor(
        async () =>
          (await committedOffsets(groupId, topic, PARTITIONS, broker.brokers)).every((offset, i) => offset === ends[i]) ? true : undefined,
        'every record committed',
        30_000,
      );
      for (const body of [...before, ...heldBodies, ...afterBodies]) assert.ok(handled.has(body), `${body} was handled`);
      assert.equal(
        handled.get('held-1'),
        1,
        'a record in flight during the outage is handled once by this process, not again on redelivery',
      );
      assert.equal(consumer.stats.deadLettered, 0, 'an outage is not a bad message');
      assert.deepEqual(
        await endOffsets(deadLetterTopic(topic), PARTITIONS, broker.brokers),
        [0n, 0n, 0n],
        'the dead-letter topic is empty',
      );
      assert.ok(consumer.stats.restarts >= 1);

      await waitFor(
        () => (consumer!.health().lag.size === PARTITIONS && consumer!.health().waiting === 0 ? true : undefined),
        'the lag to read zero',
      );
      assert.equal(consumerNotReadyReason(consumer.health()), undefined);
      const exposition = await metrics.registry.metrics();
      assert.match(
        exposition,
        new RegExp(`kafka_consumer_restarts_total\\{group="${groupId}",topic="${topic}",service="outage-test"\\} [1-9]`),
      );
      assert.match(
        exposition,
        new RegExp(`kafka_consumer_lag\\{group="${groupId}",topic="${topic}",partition="0",service="outage-test"\\} 0`),
      );
      assert.match(exposition, new RegExp(`kafka_consumer_up\\{group="${groupId}",topic="${topic}",service="outage-test"\\} 1`));
    } finally {
      releaseHeld();
      await consumer?.close();
      await producer.close();
    }
    assert.equal(consumer.health().state, 'closed');
  });
});
