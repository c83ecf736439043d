import assert from 'node:assert/strict';
import { test } from 'node:test';
import { consumerNotReadyReason, consumerReadiness, type ConsumerHealth, type RunningConsumer } from '../src/kafka/index.ts';

/** How /readyz judges a consumer from its health (issue 9); the outage itself is in kafka-outage.test.ts. */
const now = 1_000_000;
const health = (overrides: Partial<ConsumerHealth>): ConsumerHealth => ({
  topic: 'receive-code',
  groupId: 'voucher-service',
  state: 'running',
  since: now - 600_000,
  lag: new Map(),
  waiting: 0,
  inFlight: 0,
  restarts: 0,
  ...overrides,
});
const judge = (overrides: Partial<ConsumerHealth>) => consumerNotReadyReason(health(overrides), { stallMs: 60_000, now: () => now });

test('a running consumer with nothing waiting is ready, however long ago it last finished a record', () => {
  assert.equal(judge({ lastProgressAt: now - 3_600_000 }), undefined);
});

test('a consumer that is reconnecting or closed is not ready, and says since when and why', () => {
  assert.match(
    judge({ state: 'reconnecting', since: now - 5_000, lastError: 'fetch failed 6 times.' })!,
    /receive-code consumer \(group voucher-service\) is reconnecting since .*: fetch failed 6 times\./,
  );
  assert.match(judge({ state: 'closed' })!, /is closed/);
});

test('records waiting and none finished for stallMs is a stall; a record finished within it is progress', () => {
  assert.match(
    judge({ waiting: 42, lag: new Map([[0, 42]]), lastProgressAt: now - 61_000 })!,
    /42 records waiting and finished none for 61 s/,
  );
  assert.equal(judge({ waiting: 42, lastProgressAt: now - 59_000 }), undefined);
});

test('the stall clock starts again when the consumer starts running again (after an outage it gets stallMs to catch up)', () => {
  assert.equal(judge({ waiting: 500, lastProgressAt: now - 300_000, since: now - 10_000 }), undefined);
  assert.match(judge({ waiting: 500, lastProgressAt: now - 300_000, since: now - 70_000 })!, /finished none for 70 s/);
});

test('the readiness check throws the reason, and accepts a consumer started in the background', () => {
  const started: { consumer?: RunningConsumer } = {};
  const check = consumerReadiness(() => started.consumer, { stallMs: 60_000, now: () => now });
  assert.throws(check, /has not started/);
  let current = health({});
  started.consumer = {
    stats: { inFlight: 0, processed: 0, deadLettered: 0, retries: 0, restarts: 0 },
    health: () => current,
    close: async () => {},
  };
  assert.doesNotThrow(check);
  current = health({ state: 'reconnecting', since: now });
  assert.throws(check, /reconnecting/);
});
