import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, afterEach, before, describe, it } from 'node:test';
import type { ReceiveCodeMessage } from '@voucher/contracts';
import { openDatabase, type Database } from '@voucher/platform/database';
import { createMetrics } from '@voucher/platform/http';
import { createLogger } from '@voucher/platform/logging';
import { waitFor } from '@voucher/platform/testing';
import { createIntegrationMetrics } from '../src/metrics.ts';
import { outbox } from '../src/outbox/outbox.ts';
import { startOutboxRelay, type OutboxRelay } from '../src/outbox/outbox-relay.ts';
import type { OutcomePublisher } from '../src/receive-code-publisher.ts';
import { migrationsDir, serviceName } from '../src/service.ts';
import { RequestStore } from '../src/store/request-store.ts';
import { phoneNumber, uniqueSchema, voucherCode } from './helpers/harness.ts';

/** Records each produce request; fails while `down`. */
class RecordingBroker implements OutcomePublisher {
  readonly produceRequests: ReceiveCodeMessage[][] = [];
  down = false;
  async publish(messages: ReceiveCodeMessage[]): Promise<void> {
    if (this.down) throw new Error('broker unavailable (test)');
    this.produceRequests.push(messages);
  }
  published(requestId: string): number {
    return this.produceRequests.flat().filter((message) => message.requestId === requestId).length;
  }
}

/**
 * The fast path: a replica's store commits its receive-code records held for its own relay (RequestStore's
 * outboxHoldMs), which publishes them right after the commit, with no lease pass in between; no other relay takes them
 * unless that replica dies before publishing.
 */
describe('outbox records held for the relay that committed them', () => {
  let database: Database;
  const relays: OutboxRelay[] = [];
  before(async () => {
    database = await openDatabase({ service: serviceName, migrationsDir, url: process.env.DATABASE_URL ?? '', schema: uniqueSchema() });
  });
  afterEach(async () => {
    await Promise.all(relays.splice(0).map((relay) => relay.close()));
    await database.query('DELETE FROM outbox');
  });
  after(() => database.close());

  const startRelay = (broker: OutcomePublisher, pollMs = 60_000) => {
    const relay = startOutboxRelay({
      db: database,
      publisher: broker,
      metrics: createIntegrationMetrics(createMetrics('test')),
      logger: createLogger('test', 'silent'),
      pollMs,
      batchSize: 100,
      leaseMs: 30_000,
      retryBaseMs: 20,
      retryMaxMs: 100,
    });
    relays.push(relay);
    return relay;
  };
  const outcome = () => ({
    request: { requestId: randomUUID(), phoneNumber, deadline: new Date(Date.now() + 30_000) },
    status: 'SUCCESS' as const,
    voucherCode: voucherCode(),
    now: new Date(),
  });
  const waitingFor = async (requestId: string) => (await database.query('SELECT 1 FROM outbox WHERE request_id = $1', [requestId])).length;

  it('are published by their own relay in one produce request right after the commit, and no other relay takes them', async () => {
    const own = new RecordingBroker();
    const other = new RecordingBroker();
    const relay = startRelay(own);
    startRelay(other, 20); // another replica's relay, polling all the time
    const store = new RequestStore(database, { outboxWritten: (rows) => relay.publishNow(rows) }, { outboxHoldMs: 30_000 });

    const records = await store.settleMany([outcome(), outcome()]);
    const ids = records.map((record) => record!.requestId);
    await waitFor(() => ids.every((id) => own.published(id) === 1), 'the records published by their own relay');
    assert.deepEqual(
      own.produceRequests.map((request) => request.map((message) => message.requestId)),
      [ids],
      'committed together, published together',
    );
    await waitFor(async () => (await waitingFor(ids[0]!)) + (await waitingFor(ids[1]!)) === 0, 'the records deleted');
    assert.deepEqual(
      ids.map((id) => other.published(id)),
      [0, 0],
      'held: the other relay never saw them due',
    );
  });

  it('go to any relay after the hold when the replica that committed them died before publishing', async () => {
    const store = new RequestStore(database, { outboxWritten: () => {} }, { outboxHoldMs: 300 }); // its relay is gone
    const [record] = await store.settleMany([outcome()]);
    assert.deepEqual(await outbox.lease(database, 30_000, 100), [], 'not due while held');
    const survivor = new RecordingBroker();
    startRelay(survivor, 50);
    await waitFor(() => survivor.published(record!.requestId) === 1, 'the record published by another relay after the hold');
  });

  it('are retried by their own relay when the broker refuses them, and published once it takes them', async () => {
    const broker = new RecordingBroker();
    broker.down = true;
    const relay = startRelay(broker);
    const store = new RequestStore(database, { outboxWritten: (rows) => relay.publishNow(rows) }, { outboxHoldMs: 30_000 });
    const [record] = await store.settleMany([outcome()]);
    await waitFor(async () => {
      const [row] = await database.query<{ attempts: number }>('SELECT attempts FROM outbox WHERE request_id = $1', [record!.requestId]);
      return (row?.attempts ?? 0) >= 2;
    }, 'a retry by the relay');
    broker.down = false;
    await waitFor(() => broker.published(record!.requestId) === 1, 'the record published once the broker is back');
    await waitFor(async () => (await waitingFor(record!.requestId)) === 0, 'the record deleted');
    assert.equal(broker.published(record!.requestId), 1);
  });
});
