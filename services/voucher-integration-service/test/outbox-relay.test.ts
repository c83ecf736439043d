import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, afterEach, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ReceiveCodeMessage } from '@voucher/contracts';
import { openDatabase, type Database } from '@voucher/platform/database';
import { createMetrics } from '@voucher/platform/http';
import { createLogger } from '@voucher/platform/logging';
import { createIntegrationMetrics } from '../src/metrics.ts';
import { outbox } from '../src/outbox/outbox.ts';
import { startOutboxRelay, type OutboxRelay, type OutboxRelayOptions } from '../src/outbox/outbox-relay.ts';
import type { OutcomePublisher } from '../src/receive-code-publisher.ts';
import { migrationsDir, serviceName } from '../src/service.ts';
import { RequestStore } from '../src/store/request-store.ts';
import { testClock, waitFor } from '@voucher/platform/testing';
import { phoneNumber, uniqueSchema, voucherCode } from './helpers/harness.ts';

/** Stands in for the broker: records each produce request; fails while `down`; holds every publish while `frozen`. */
class FakeBroker implements OutcomePublisher {
  readonly produceRequests: ReceiveCodeMessage[][] = [];
  down = false;
  frozen: PromiseWithResolvers<void> | undefined;
  async publish(messages: ReceiveCodeMessage[]): Promise<void> {
    if (this.frozen) await this.frozen.promise;
    if (this.down) throw new Error('broker unavailable (test)');
    this.produceRequests.push(messages);
  }
  published(requestId: string): ReceiveCodeMessage[] {
    return this.produceRequests.flat().filter((message) => message.requestId === requestId);
  }
}

/**
 * The outbox relay against the real database: outcomes are committed with their receive-code records, and the relay
 * publishes them afterwards, outside any transaction. Each test has a schema of its own, so its relays see only its
 * records.
 */
describe('outbox relay', () => {
  let database: Database;
  let relays: OutboxRelay[] = [];
  before(async () => {
    database = await openDatabase({ service: serviceName, migrationsDir, url: process.env.DATABASE_URL ?? '', schema: uniqueSchema() });
  });
  afterEach(async () => {
    await Promise.all(relays.map((relay) => relay.close()));
    relays = [];
    await database.query('DELETE FROM outbox');
  });
  after(async () => {
    await database.close();
  });

  const startRelay = (broker: OutcomePublisher, options: Partial<OutboxRelayOptions> = {}) => {
    const relay = startOutboxRelay({
      db: database,
      publisher: broker,
      metrics: createIntegrationMetrics(createMetrics('test')),
      logger: createLogger('test', 'silent'),
      pollMs: 60_000,
      batchSize: 100,
      leaseMs: 30_000,
      retryBaseMs: 20,
      retryMaxMs: 100,
      ...options,
    });
    relays.push(relay);
    return relay;
  };
  const request = () => ({ requestId: randomUUID(), phoneNumber, deadline: new Date(Date.now() + 30_000) });
  const outcome = () => ({ request: request(), status: 'SUCCESS' as const, voucherCode: voucherCode(), now: new Date() });
  const waiting = async () => (await database.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox'))[0]!.n;

  it('is poked by each commit, and publishes what was committed together in one produce request, then forgets it', async () => {
    const broker = new FakeBroker();
    // Counts the relay's statements: its first pass (at start) is one lease, which finds nothing.
    let statements = 0;
    const counted: Database = {
      ...database,
      query: (async (sql: string, params?: unknown[]) => {
        const rows = await database.query(sql, params);
        statements++;
        return rows;
      }) as Database['query'],
    };
    const relay = startRelay(broker, { db: counted }); // polls only once a minute: what it does below, a poke made it do
    const store = new RequestStore(database, { outboxWritten: () => relay.poke() });
    await waitFor(() => statements > 0, "the relay's first pass"); // over and empty: a publish below is a poke's doing

    const outcomes = Array.from({ length: 5 }, outcome);
    const recorded = await store.settleMany(outcomes);
    await waitFor(() => broker.produceRequests.length > 0, 'the publish');
    assert.equal(broker.produceRequests.length, 1, 'one produce request for the outcomes of one commit');
    assert.deepEqual(broker.produceRequests[0], recorded, 'the records as they were committed, in order');
    await waitFor(async () => (await waiting()) === 0, 'the published records to be deleted');
  });

  it('on an empty outbox, looks once per poll, not again at once', async () => {
    const clock = testClock();
    let statements = 0;
    const counted: Database = {
      ...database,
      query: ((sql: string, params?: unknown[]) => {
        statements++; // counted when sent: a pass the clock starts shows at once
        return database.query(sql, params);
      }) as Database['query'],
    };
    const pollMs = 1_000;
    startRelay(new FakeBroker(), { db: counted, pollMs, timers: clock });
    clock.advance(0); // its first pass, at start
    await waitFor(() => statements >= 2 && clock.pendingTimers === 1, 'the first pass to end and the next to be set');
    const afterFirstPass = statements;
    clock.advance(pollMs - 1);
    assert.equal(statements, afterFirstPass, 'no pass before the poll is due');
    clock.advance(1);
    assert.ok(statements > afterFirstPass, 'the next pass at the poll');
  });

  it('still finds records nobody poked it about (committed by a replica that died before its poke), at its poll', async () => {
    const broker = new FakeBroker();
    startRelay(broker, { pollMs: 200 });
    const store = new RequestStore(database); // pokes nobody
    const [record] = await store.settleMany([outcome()]);
    await waitFor(() => broker.published(record!.requestId).length === 1, 'the poll to publish it');
  });

  it('keeps what it could not publish while the broker is down, and publishes it once when it is back', async () => {
    const broker = new FakeBroker();
    const relay = startRelay(broker);
    const store = new RequestStore(database, { outboxWritten: () => relay.poke() });
    broker.down = true;
    const [record] = await store.settleMany([outcome()]);
    await waitFor(async () => {
      const [row] = await database.query<{ attempts: number }>('SELECT attempts FROM outbox WHERE request_id = $1', [record!.requestId]);
      return (row?.attempts ?? 0) >= 3 && row;
    }, 'attempts while the broker is down');
    assert.equal(broker.produceRequests.length, 0);

    broker.down = false;
    await waitFor(() => broker.published(record!.requestId).length > 0, 'the publish once the broker is back');
    // A record is deleted only after it was published: gone from the outbox, it is published no more.
    await waitFor(async () => (await waiting()) === 0, 'the record to be deleted');
    assert.equal(broker.published(record!.requestId).length, 1, 'published once');
  });

  it('publishes again, after the lease, what a relay that died between publishing and deleting left behind', async () => {
    const store = new RequestStore(database);
    const [record] = await store.settleMany([outcome()]);
    // A relay (of a replica about to die) leases the record; it publishes, and never gets to delete it.
    const leased = await outbox.lease(database, 800, 100);
    assert.deepEqual(
      leased.map((row) => row.message),
      [record],
    );
    const leasedAt = Date.now();

    const broker = new FakeBroker();
    startRelay(broker, { pollMs: 50 });
    await waitFor(() => broker.published(record!.requestId).length > 0, 'the record published again', 5000);
    assert.ok(Date.now() - leasedAt >= 700, 'not before the lease ran out');
    await waitFor(async () => (await waiting()) === 0, 'the record to be deleted');
  });

  it('holds no transaction while it publishes: a frozen broker leaves commits and the database free', async () => {
    const broker = new FakeBroker();
    broker.frozen = Promise.withResolvers();
    const relay = startRelay(broker, { batchSize: 1 });
    const store = new RequestStore(database, { outboxWritten: () => relay.poke() });
    const [first] = await store.settleMany([outcome()]);
    await waitFor(async () => (await database.query('SELECT 1 FROM outbox WHERE attempts = 1')).length === 1, 'the lease');

    const idle = await database.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state = 'idle in transaction'`,
    );
    assert.equal(idle[0]!.n, 0, 'no transaction is open while the relay waits for the broker');
    const more = await Promise.all(Array.from({ length: 30 }, () => store.settleMany([outcome()])));
    assert.equal(more.length, 30, 'outcomes are committed while the broker hangs');

    broker.frozen.resolve();
    broker.frozen = undefined;
    await waitFor(async () => (await waiting()) === 0, 'everything published once the broker answers');
    assert.equal(broker.published(first!.requestId).length, 1);
  });

  it('never publishes a record on two replicas at once', async () => {
    const broker = new FakeBroker();
    const slow: OutcomePublisher = {
      publish: async (messages) => {
        await sleep(20); // a slow broker inside the stub (not a wait of the test's), so that the relays' passes overlap
        await broker.publish(messages);
      },
    };
    const [a, b, c] = [startRelay(slow, { batchSize: 7 }), startRelay(slow, { batchSize: 7 }), startRelay(slow, { batchSize: 7 })];
    const store = new RequestStore(database, { outboxWritten: () => [a, b, c].forEach((relay) => relay.poke()) });
    const records = (await Promise.all(Array.from({ length: 20 }, () => store.settleMany([outcome(), outcome()])))).flat();
    await waitFor(async () => (await waiting()) === 0, 'everything published');
    const published = broker.produceRequests.flat().map((message) => message.requestId);
    assert.equal(published.length, records.length, 'each record once');
    assert.equal(new Set(published).size, records.length);
  });
  describe('records held for the relay that committed them (RequestStore outboxHoldMs)', () => {
    const waitingFor = async (requestId: string) =>
      (await database.query('SELECT 1 FROM outbox WHERE request_id = $1', [requestId])).length;

    it('are published by their own relay in one produce request right after the commit, and no other relay takes them', async () => {
      const own = new FakeBroker();
      const other = new FakeBroker();
      const relay = startRelay(own);
      startRelay(other, { pollMs: 20 }); // another replica's relay, polling all the time
      const store = new RequestStore(database, { outboxWritten: (rows) => relay.publishNow(rows) }, { outboxHoldMs: 30_000 });

      const records = await store.settleMany([outcome(), outcome()]);
      const ids = records.map((record) => record!.requestId);
      await waitFor(() => ids.every((id) => own.published(id).length === 1), 'the records published by their own relay');
      assert.deepEqual(
        own.produceRequests.map((request) => request.map((message) => message.requestId)),
        [ids],
        'committed together, published together',
      );
      await waitFor(async () => (await waitingFor(ids[0]!)) + (await waitingFor(ids[1]!)) === 0, 'the records deleted');
      assert.deepEqual(
        ids.map((id) => other.published(id).length),
        [0, 0],
        'held: the other relay never saw them due',
      );
    });

    it('go to any relay after the hold when the replica that committed them died before publishing', async () => {
      // Its relay is gone. The hold outlasts the check below even on a busy machine (a lease after it would take the record).
      const store = new RequestStore(database, { outboxWritten: () => {} }, { outboxHoldMs: 2_000 });
      const [record] = await store.settleMany([outcome()]);
      assert.deepEqual(await outbox.lease(database, 30_000, 100), [], 'not due while held');
      const survivor = new FakeBroker();
      startRelay(survivor, { pollMs: 50 });
      await waitFor(() => survivor.published(record!.requestId).length === 1, 'the record published by another relay after the hold');
    });

    it('are retried by their own relay when the broker refuses them, and published once it takes them', async () => {
      const broker = new FakeBroker();
      broker.down = true;
      const relay = startRelay(broker);
      const store = new RequestStore(database, { outboxWritten: (rows) => relay.publishNow(rows) }, { outboxHoldMs: 30_000 });
      const [record] = await store.settleMany([outcome()]);
      await waitFor(async () => {
        const [row] = await database.query<{ attempts: number }>('SELECT attempts FROM outbox WHERE request_id = $1', [record!.requestId]);
        return (row?.attempts ?? 0) >= 2;
      }, 'a retry by the relay');
      broker.down = false;
      await waitFor(() => broker.published(record!.requestId).length === 1, 'the record published once the broker is back');
      await waitFor(async () => (await waitingFor(record!.requestId)) === 0, 'the record deleted');
      assert.equal(broker.published(record!.requestId).length, 1);
    });
  });
});
