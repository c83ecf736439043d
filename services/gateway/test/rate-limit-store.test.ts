import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { PostgresHitCounter } from '../src/http/postgres-rate-limit-store.ts';
import { openTestDatabase, testClock, testConfig } from './support/gateway-harness.ts';

const MINUTE = 60_000;

test('the hit counter counts in PostgreSQL: two counters (replicas) share each window, and a new window starts afresh', async () => {
  const config = testConfig();
  const db = await openTestDatabase(config);
  const clock = testClock();
  try {
    const replicaA = new PostgresHitCounter(db, clock.now);
    const replicaB = new PostgresHitCounter(db, clock.now);
    const key = `address:${randomUUID()}`;
    assert.deepEqual(await replicaA.hit(key, MINUTE), { current: 1, ttl: MINUTE }, 'the test clock is at the start of a minute');
    assert.equal((await replicaB.hit(key, MINUTE)).current, 2);
    // Concurrent hits share round trips, and each still gets its own number.
    const burst = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? replicaA : replicaB).hit(key, MINUTE)));
    assert.deepEqual(
      burst.map((hit) => hit.current).sort((a, b) => a - b),
      Array.from({ length: 50 }, (_, i) => i + 3),
    );
    assert.equal((await replicaA.hit(`address:${randomUUID()}`, MINUTE)).current, 1, 'another key has its own count');
    clock.advance(45_000);
    assert.deepEqual(await replicaB.hit(key, MINUTE), { current: 53, ttl: 15_000 }, 'Retry-After is what is left of the window');
    clock.advance(15_000);
    assert.deepEqual(await replicaA.hit(key, MINUTE), { current: 1, ttl: MINUTE });
  } finally {
    await db.close();
  }
});
