import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { addressKey } from '../src/http/client-address.ts';
import { PostgresHitCounter } from '../src/http/postgres-rate-limit-store.ts';
import { SharedHitCounter } from '../src/http/shared-hit-counter.ts';
import { logger, openTestDatabase, testClock, testConfig } from './support/gateway-harness.ts';

const MINUTE = 60_000;
/** An allowance far away: every hit after the first is counted locally until a sync. */
const FAR = 1_000_000;

test('the hit counter is shared through PostgreSQL: a replica joins a window with the shared total, counts locally, and syncs', async () => {
  const config = testConfig();
  const db = await openTestDatabase(config);
  const clock = testClock();
  // A sync interval the test never reaches: it syncs by hand, so it knows exactly what each replica has learnt.
  const counter = () => new SharedHitCounter(new PostgresHitCounter(db), { now: clock.now, syncMs: 3_600_000, logger });
  const replicaA = counter();
  const replicaB = counter();
  try {
    const key = `address:${randomUUID()}`;
    assert.deepEqual(await replicaA.hit(key, MINUTE, FAR), { current: 1, ttl: MINUTE }, 'the test clock is at the start of a minute');
    assert.equal((await replicaB.hit(key, MINUTE, FAR)).current, 2, "B's first hit in the window learns A's");
    // Concurrent hits on one replica each get their own number, without a round trip.
    const burst = await Promise.all(Array.from({ length: 20 }, () => replicaA.hit(key, MINUTE, FAR)));
    assert.deepEqual(
      burst.map((hit) => hit.current),
      Array.from({ length: 20 }, (_, i) => i + 2),
      "A counts on from what it knew when it joined; B's hit reaches it at a sync",
    );
    assert.equal((await replicaB.hit(key, MINUTE, FAR)).current, 3, "before a sync, B does not know of A's burst");
    await replicaA.sync();
    await replicaB.sync();
    assert.equal((await replicaB.hit(key, MINUTE, FAR)).current, 24, 'after the syncs, B knows every hit: 1 + 1 + 20 + 1, and this one');
    assert.equal((await replicaA.hit(`address:${randomUUID()}`, MINUTE, FAR)).current, 1, 'another key has its own count');
    clock.advance(45_000);
    assert.deepEqual(
      await replicaA.hit(key, MINUTE, FAR),
      { current: 23, ttl: 15_000 },
      'A learnt 22 at its sync; Retry-After is what is left of the window',
    );
    clock.advance(15_000);
    assert.deepEqual(await replicaA.hit(key, MINUTE, FAR), { current: 1, ttl: MINUTE }, 'a new window starts afresh');
  } finally {
    await replicaA.close();
    await replicaB.close();
    await db.close();
  }
});

test('near the allowance every hit goes to the database, so two replicas refuse the hit past it between syncs', async () => {
  const config = testConfig();
  const db = await openTestDatabase(config);
  const clock = testClock();
  const counter = () => new SharedHitCounter(new PostgresHitCounter(db), { now: clock.now, syncMs: 3_600_000, logger });
  const [replicaA, replicaB] = [counter(), counter()];
  try {
    const key = `address:${randomUUID()}`;
    const hits = [];
    for (const replica of [replicaA, replicaB, replicaA, replicaB, replicaA]) hits.push((await replica.hit(key, MINUTE, 4)).current);
    assert.deepEqual(
      hits,
      [1, 2, 2, 3, 5],
      "A's second hit is far from 4 and counted locally; from then on every hit asks the shared total",
    );
  } finally {
    await replicaA.close();
    await replicaB.close();
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
