import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { ReceiveCodeMessage } from '@voucher/contracts';
import { openDatabase, type Database } from '@voucher/platform/database';
import { createMetrics } from '@voucher/platform/http';
import { createLogger } from '@voucher/platform/logging';
import { redeemCallback } from '../src/callback-redeemer.ts';
import { createIntegrationMetrics } from '../src/metrics.ts';
import { receiveCodeMessage } from '../src/outcomes.ts';
import type { OutcomePublisher } from '../src/receive-code-publisher.ts';
import { migrationsDir, serviceName } from '../src/service.ts';
import { RequestStore } from '../src/store/request-store.ts';
import { sweepOnce, type SweeperOptions } from '../src/sweeper.ts';
import type { VpsAnswer } from '../src/vps/vps-answer.ts';
import { phoneNumber, pkcePair, voucherCode } from './helpers/harness.ts';

/** Records what it publishes; fails while `broken` is set, as a broker outage would. */
class RecordingPublisher implements OutcomePublisher {
  readonly published: ReceiveCodeMessage[] = [];
  broken = false;
  async publish(messages: ReceiveCodeMessage[]): Promise<void> {
    if (this.broken) throw new Error('broker unavailable');
    this.published.push(...messages);
  }
  for(requestId: string) {
    return this.published.filter((message) => message.requestId === requestId);
  }
}

describe('request store guarantees', () => {
  let database: Database;
  let store: RequestStore;
  before(async () => {
    database = await openDatabase({ service: serviceName, migrationsDir, url: process.env.DATABASE_URL ?? '' });
    store = new RequestStore(database);
  });
  after(async () => {
    await database.close();
  });

  /** Sweep options around a stub VPS that answers per requestId (an error for any other request). */
  const sweepOptions = (publisher: OutcomePublisher, answers: Record<string, VpsAnswer> = {}, maxReasks = 0): SweeperOptions => ({
    store,
    publisher,
    logger: createLogger('test', 'silent'),
    metrics: createIntegrationMetrics(createMetrics('test')),
    intervalMs: 1,
    batchSize: 1000,
    retentionMs: 3_600_000,
    calls: {
      vps: { requestVoucher: async ({ requestId }) => answers[requestId] ?? { kind: 'error', outcome: 'error', reason: 'not scripted' } },
      callbackUrl: 'http://127.0.0.1:1/api/voucher-code/vps/response',
      maxAttempts: 1,
      retryBaseMs: 1,
      retryMaxMs: 1,
      challengeTtlMs: 60_000,
      maxReasks,
      leaseMs: 3_600_000,
    },
  });
  const request = (deadlineInMs = 30_000) => ({ requestId: randomUUID(), phoneNumber, deadline: new Date(Date.now() + deadlineInMs) });
  const pending = async (ttlMs = 60_000) => {
    const facts = request();
    const pair = pkcePair();
    assert.equal(await store.savePending(facts, pair.codeChallenge, 'S256', new Date(Date.now() + ttlMs)), 'saved');
    return { facts, ...pair };
  };

  it('keeps a callback redeemable when publishing it fails, and publishes it once when the VPS retries', async () => {
    const { facts, codeVerifier } = await pending();
    const publisher = new RecordingPublisher();
    const callback = { codeVerifier, status: 'SUCCESS' as const, voucherCode: voucherCode() };

    publisher.broken = true;
    await assert.rejects(redeemCallback(store, publisher, callback), /broker unavailable/);
    publisher.broken = false;
    assert.deepEqual(await redeemCallback(store, publisher, callback), { outcome: 'accepted', requestId: facts.requestId });
    assert.deepEqual(await redeemCallback(store, publisher, callback), { outcome: 'replayed' });
    assert.equal(publisher.for(facts.requestId).length, 1);
    assert.equal(publisher.for(facts.requestId)[0]?.voucherCode, callback.voucherCode);
  });

  it('publishes an outcome once when two handlers settle the same request at the same time', async () => {
    const facts = request();
    const publisher = new RecordingPublisher();
    const now = new Date();
    const settle = () =>
      store.settleNew(facts, 'SUCCESS', now, () => publisher.publish([receiveCodeMessage(facts, 'SUCCESS', 'VC-1', now)]));
    const results = await Promise.all([settle(), settle(), settle()]);
    assert.equal(results.filter(Boolean).length, 1);
    assert.equal(publisher.published.length, 1);
    assert.equal(await store.isKnown(facts.requestId), true);
  });

  it('records nothing when publishing an immediate outcome fails, so the message is retried', async () => {
    const facts = request();
    await assert.rejects(store.settleNew(facts, 'SUCCESS', new Date(), () => Promise.reject(new Error('broker unavailable'))));
    assert.equal(await store.isKnown(facts.requestId), false);
  });

  it('refuses a challenge already held by another request, and recognises a redelivered one', async () => {
    const { facts, codeChallenge } = await pending();
    const later = new Date(Date.now() + 60_000);
    assert.equal(await store.savePending(request(), codeChallenge, 'S256', later), 'challenge-taken');
    assert.equal(await store.savePending(facts, pkcePair().codeChallenge, 'S256', later), 'already-known');
  });

  it('sweeps an expired challenge into one FAILED outcome, refuses its late callback, and forgets old records', async () => {
    const { facts, codeVerifier } = await pending(1);
    const publisher = new RecordingPublisher();
    const options = sweepOptions(publisher);
    const soon = new Date(Date.now() + 10);

    await sweepOnce(options, soon);
    await sweepOnce(options, soon);
    const failed = publisher.for(facts.requestId);
    assert.equal(failed.length, 1);
    assert.equal(failed[0]?.status, 'FAILED');
    assert.deepEqual(await redeemCallback(store, publisher, { codeVerifier, status: 'SUCCESS', voucherCode: voucherCode() }), {
      outcome: 'expired',
    });

    await sweepOnce({ ...options, retentionMs: 0 }, new Date(Date.now() + 1000));
    assert.equal(await store.isKnown(facts.requestId), false);
  });

  it('records a call before it is made: new, then resumed while outstanding, then known once answered', async () => {
    const facts = request();
    const now = new Date();
    assert.deepEqual(await store.beginCalls([facts, facts], now), ['new', 'known']);
    assert.deepEqual(await store.beginCalls([facts], now), ['resumed']);
    assert.equal(await store.savePending(facts, pkcePair().codeChallenge, 'S256', new Date(Date.now() + 60_000)), 'saved');
    assert.deepEqual(await store.beginCalls([facts], now), ['known']);
    const [row] = await database.query<{ state: string; calling_since: Date | null }>(
      'SELECT state, calling_since FROM vps_requests WHERE request_id = $1',
      [facts.requestId],
    );
    assert.deepEqual(row, { state: 'PENDING', calling_since: null });
  });

  it('settles a request whose call is outstanding once, however many handlers race for it', async () => {
    const facts = request();
    await store.beginCalls([facts], new Date());
    const publisher = new RecordingPublisher();
    const now = new Date();
    const settle = () =>
      store.settleNew(facts, 'SUCCESS', now, () => publisher.publish([receiveCodeMessage(facts, 'SUCCESS', 'VC-1', now)]));
    const results = await Promise.all([settle(), settle(), settle()]);
    assert.equal(results.filter(Boolean).length, 1);
    assert.equal(publisher.for(facts.requestId).length, 1);
    assert.equal(await store.savePending(facts, pkcePair().codeChallenge, 'S256', new Date(Date.now() + 60_000)), 'already-known');
  });

  it('keeps a challenge redeemable after its wait ran out, until the sweep has ended it', async () => {
    const { facts, codeVerifier } = await pending(1);
    const publisher = new RecordingPublisher();
    const code = voucherCode();
    const late = new Date(Date.now() + 60_000);
    assert.deepEqual(await redeemCallback(store, publisher, { codeVerifier, status: 'LATE_SUCCESS', voucherCode: code }, late), {
      outcome: 'accepted',
      requestId: facts.requestId,
    });
    const [message] = publisher.for(facts.requestId);
    assert.equal(message?.voucherCode, code);
    assert.equal(message?.channel, 'SMS');
  });

  it('asks the VPS again about an expired challenge and settles it with the code, once, even if publishing failed first', async () => {
    const { facts, codeVerifier } = await pending(1);
    const publisher = new RecordingPublisher();
    const code = voucherCode();
    const options = sweepOptions(publisher, { [facts.requestId]: { kind: 'code', status: 'LATE_SUCCESS', voucherCode: code } }, 2);
    const expired = new Date(Date.now() + 10);

    publisher.broken = true;
    await assert.rejects(sweepOnce(options, expired), /broker unavailable/);
    publisher.broken = false;
    await sweepOnce(options, expired);
    assert.equal(publisher.for(facts.requestId).length, 0, 'a re-ask in progress (or cut short) is not repeated before its lease ends');

    await sweepOnce(options, new Date(expired.getTime() + 3_600_001));
    const settled = publisher.for(facts.requestId);
    assert.equal(settled.length, 1);
    assert.equal(settled[0]?.status, 'LATE_SUCCESS');
    assert.equal(settled[0]?.voucherCode, code);
    assert.equal(settled[0]?.channel, 'SMS', 'late by the VPS account: by SMS, as the callback would have been');
    const [row] = await database.query<{ reasks: number; state: string }>('SELECT reasks, state FROM vps_requests WHERE request_id = $1', [
      facts.requestId,
    ]);
    assert.deepEqual(row, { reasks: 0, state: 'SETTLED' }, 'a re-ask that brought the code does not count against the budget');
    assert.deepEqual(await redeemCallback(store, publisher, { codeVerifier, status: 'SUCCESS', voucherCode: code }), {
      outcome: 'replayed',
    });
    assert.equal(publisher.for(facts.requestId).length, 1);
  });
});
