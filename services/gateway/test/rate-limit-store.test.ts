import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { addressKey } from '../src/http/client-address.ts';
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

test('an address counts as itself (IPv4), by its /64 (IPv6), or as its IPv4 address when IPv4-mapped', () => {
  assert.equal(addressKey('198.51.100.7'), '198.51.100.7');
  assert.equal(addressKey('::ffff:198.51.100.7'), '198.51.100.7');
  assert.equal(addressKey('2001:db8:1:2::1'), '2001:db8:1:2::/64');
  assert.equal(addressKey('2001:DB8:1:2:ffff:ffff:ffff:ffff'), '2001:db8:1:2::/64');
  assert.equal(addressKey('2001:db8:1:3::1'), '2001:db8:1:3::/64');
  assert.equal(addressKey(undefined), 'unknown', 'a request whose socket is already gone');
});
