import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { ReceiveCodeMessage } from '@voucher/contracts';
import { openDatabase, type Database } from '@voucher/platform/database';
import { createMetrics } from '@voucher/platform/http';
import { createLogger } from '@voucher/platform/logging';
import { redeemCallback } from '../src/callback-redeemer.ts';
import { createIntegrationMetrics } from '../src/metrics.ts';
import { digestsForVerifier } from '../src/pkce.ts';
import { migrationsDir, serviceName } from '../src/service.ts';
import { RequestStore } from '../src/store/request-store.ts';
import { sweepOnce, type OverdueCallsOptions } from '../src/overdue-calls.ts';
import type { VpsAnswer } from '../src/vps/vps-answer.ts';
import { phoneNumber, pkcePair, uniqueSchema, voucherCode } from './helpers/harness.ts';

describe('request store guarantees', () => {
  let database: Database;
  let store: RequestStore;
  /** What the store announced after its commits. */
  const announced = { outboxWritten: 0, written: [] as string[], codeReused: [] as string[] };
  before(async () => {
    database = await openDatabase({ service: serviceName, migrationsDir, url: process.env.DATABASE_URL ?? '', schema: uniqueSchema() });
    store = new RequestStore(database, {
      outboxWritten: (rows) => {
        announced.outboxWritten++;
        announced.written.push(...rows.map((row) => row.message.requestId));
      },
      codeReused: (requestId) => announced.codeReused.push(requestId),
    });
  });
  after(async () => {
    await database.close();
  });

  /** The receive-code records waiting in the outbox for a request (nothing publishes them in these tests). */
  const recordsOf = async (requestId: string) =>
    (
      await database.query<{ message: ReceiveCodeMessage }>('SELECT message FROM outbox WHERE request_id = $1 ORDER BY id', [requestId])
    ).map((row) => row.message);
  const rowOf = async (requestId: string) =>
    (
      await database.query<{ state: string; outcome: string | null }>('SELECT state, outcome FROM vps_requests WHERE request_id = $1', [
        requestId,
      ])
    )[0];

  /** Sweep options around a stub VPS that answers per requestId (an error for any other request). */
  const sweepOptions = (answers: Record<string, VpsAnswer> = {}, maxReasks = 0, leaseMs = 3_600_000): OverdueCallsOptions => ({
    store,
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
      leaseMs,
      unansweredWindowMs: 60_000,
    },
  });
  const request = (deadlineInMs = 30_000) => ({ requestId: randomUUID(), phoneNumber, deadline: new Date(Date.now() + deadlineInMs) });
  const pending = async (ttlMs = 60_000, deadlineInMs = 30_000) => {
    const facts = request(deadlineInMs);
    const pair = pkcePair();
    assert.equal(await store.savePending(facts, pair.codeChallenge, 'S256', new Date(Date.now() + ttlMs)), 'saved');
    return { facts, ...pair };
  };

  it('commits a redeemed callback with its receive-code record in the outbox, and announces it only after the commit', async () => {
    const { facts, codeVerifier } = await pending();
    const callback = { codeVerifier, status: 'SUCCESS' as const, voucherCode: voucherCode() };
    const before = announced.outboxWritten;

    // A transaction that fails after recording the outcome leaves neither the outcome nor its record, and says nothing.
    const candidates = digestsForVerifier(codeVerifier);
    await assert.rejects(
      store.transaction(async (tx) => {
        const row = await store.lockChallenge(tx, candidates);
        await store.redeem(tx, row!, 'SUCCESS', callback.voucherCode, new Date());
        throw new Error('the database went away');
      }),
      /went away/,
    );
    assert.deepEqual(await recordsOf(facts.requestId), []);
    assert.equal((await rowOf(facts.requestId))?.state, 'PENDING');
    assert.equal(announced.outboxWritten, before);

    assert.deepEqual(await redeemCallback(store, callback), { outcome: 'accepted', requestId: facts.requestId, status: 'SUCCESS' });
    assert.equal(announced.outboxWritten, before + 1, 'the relay is poked once the outcome is committed');
    assert.deepEqual(await redeemCallback(store, callback), { outcome: 'replayed' });
    const records = await recordsOf(facts.requestId);
    assert.equal(records.length, 1);
    assert.equal(records[0]?.voucherCode, callback.voucherCode);
    assert.equal(records[0]?.channel, 'WEB');
  });

  it('records an outcome once when two handlers settle the same request at the same time', async () => {
    const facts = request();
    const now = new Date();
    const settle = () => store.settleNew({ request: facts, status: 'SUCCESS', voucherCode: 'VC-RACE-1', now });
    const results = await Promise.all([settle(), settle(), settle()]);
    assert.equal(results.filter(Boolean).length, 1);
    assert.equal((await recordsOf(facts.requestId)).length, 1);
    assert.notEqual(await rowOf(facts.requestId), undefined, 'the request is stored');
  });

  it('refuses a challenge already held by another request, and recognises a redelivered one', async () => {
    const { facts, codeChallenge } = await pending();
    const later = new Date(Date.now() + 60_000);
    assert.equal(await store.savePending(request(), codeChallenge, 'S256', later), 'challenge-taken');
    assert.equal(await store.savePending(facts, pkcePair().codeChallenge, 'S256', later), 'already-known');
  });

  it('sweeps an expired challenge into one FAILED outcome, refuses its late callback, and forgets old records', async () => {
    const { facts, codeVerifier } = await pending(1);
    const options = sweepOptions();
    const soon = new Date(Date.now() + 10);

    await sweepOnce(options, soon);
    await sweepOnce(options, soon);
    const failed = await recordsOf(facts.requestId);
    assert.equal(failed.length, 1);
    assert.equal(failed[0]?.status, 'FAILED');
    assert.deepEqual(await redeemCallback(store, { codeVerifier, status: 'SUCCESS', voucherCode: voucherCode() }), {
      outcome: 'expired',
    });

    await sweepOnce({ ...options, retentionMs: 0 }, new Date(Date.now() + 1000));
    assert.equal(await rowOf(facts.requestId), undefined, 'the request is forgotten');
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
    const now = new Date();
    const settle = () => store.settleNew({ request: facts, status: 'SUCCESS', voucherCode: 'VC-RACE-2', now });
    const results = await Promise.all([settle(), settle(), settle()]);
    assert.equal(results.filter(Boolean).length, 1);
    assert.equal((await recordsOf(facts.requestId)).length, 1);
    assert.equal(await store.savePending(facts, pkcePair().codeChallenge, 'S256', new Date(Date.now() + 60_000)), 'already-known');
  });

  it('keeps a challenge redeemable after its wait ran out, until the sweep has ended it', async () => {
    const { facts, codeVerifier } = await pending(1);
    const code = voucherCode();
    const late = new Date(Date.now() + 60_000);
    assert.deepEqual(await redeemCallback(store, { codeVerifier, status: 'LATE_SUCCESS', voucherCode: code }, late), {
      outcome: 'accepted',
      requestId: facts.requestId,
      status: 'LATE_SUCCESS',
    });
    const [message] = await recordsOf(facts.requestId);
    assert.equal(message?.voucherCode, code);
    assert.equal(message?.channel, 'SMS', 'known after the deadline');
  });

  it('asks the VPS again about an expired challenge and settles it with the code, once', async () => {
    const { facts, codeVerifier } = await pending(1, -1000);
    const code = voucherCode();
    const options = sweepOptions({ [facts.requestId]: { kind: 'code', status: 'LATE_SUCCESS', voucherCode: code } }, 2);
    const expired = new Date(Date.now() + 10);

    await sweepOnce(options, expired);
    await sweepOnce(options, expired);
    const settled = await recordsOf(facts.requestId);
    assert.equal(settled.length, 1);
    assert.equal(settled[0]?.status, 'LATE_SUCCESS');
    assert.equal(settled[0]?.voucherCode, code);
    assert.equal(settled[0]?.channel, 'SMS', 'known after the deadline');
    const [row] = await database.query<{ reasks: number; state: string }>('SELECT reasks, state FROM vps_requests WHERE request_id = $1', [
      facts.requestId,
    ]);
    assert.deepEqual(row, { reasks: 0, state: 'SETTLED' }, 'a re-ask that brought the code does not count against the budget');
    assert.deepEqual(await redeemCallback(store, { codeVerifier, status: 'SUCCESS', voucherCode: code }), {
      outcome: 'replayed',
    });
    assert.equal((await recordsOf(facts.requestId)).length, 1);
  });

  describe('a call the VPS may have taken without answering (every attempt timed out)', () => {
    const timedOut: VpsAnswer = { kind: 'error', outcome: 'timeout', reason: 'VPS call failed: UND_ERR_HEADERS_TIMEOUT' };
    const at = (base: Date, ms: number) => new Date(base.getTime() + ms);
    const stateOf = async (requestId: string) =>
      (
        await database.query<{ state: string; reasks: number; failure_reason: string | null }>(
          'SELECT state, reasks, failure_reason FROM vps_requests WHERE request_id = $1',
          [requestId],
        )
      )[0];

    it('stays outstanding and is asked again once per lease until the VPS answers; its code is then recorded once', async () => {
      const facts = request(-1000);
      const started = new Date();
      await store.beginCalls([facts], started);
      const answers: Record<string, VpsAnswer> = { [facts.requestId]: timedOut };
      const options = sweepOptions(answers, 0, 1_000);

      await sweepOnce(options, at(started, 999));
      await sweepOnce(options, at(started, 1_001)); // asked again: no answer again
      assert.equal((await stateOf(facts.requestId))?.state, 'CALLING', 'never failed while the VPS may hold a code');
      assert.deepEqual(await recordsOf(facts.requestId), []);

      const code = voucherCode();
      answers[facts.requestId] = { kind: 'code', status: 'LATE_SUCCESS', voucherCode: code };
      await sweepOnce(options, at(started, 1_500)); // within the lease the re-ask renewed: left alone
      assert.deepEqual(await recordsOf(facts.requestId), []);
      await sweepOnce(options, at(started, 2_002));
      await sweepOnce(options, at(started, 4_000));
      const records = await recordsOf(facts.requestId);
      assert.deepEqual(
        records.map((message) => [message.status, message.voucherCode, message.channel]),
        [['LATE_SUCCESS', code, 'SMS']],
      );
    });

    it('ends FAILED once, counted for reconciliation, when the VPS has not answered by the window after the deadline', async () => {
      const facts = request(0);
      await store.beginCalls([facts], new Date(facts.deadline.getTime() - 10_000));
      const options = sweepOptions({ [facts.requestId]: timedOut }, 0, 1_000);
      const givenUp = async () => (await options.metrics.unansweredGivenUp.get()).values[0]?.value ?? 0;

      await sweepOnce(options, at(facts.deadline, 59_000));
      assert.equal((await stateOf(facts.requestId))?.state, 'CALLING');
      await sweepOnce(options, at(facts.deadline, 60_001));
      await sweepOnce(options, at(facts.deadline, 62_000));
      const row = await stateOf(facts.requestId);
      assert.equal(row?.state, 'SETTLED');
      assert.match(row?.failure_reason ?? '', /UND_ERR_HEADERS_TIMEOUT; the VPS never answered within VPS_UNANSWERED_WINDOW_MS/);
      assert.deepEqual(
        (await recordsOf(facts.requestId)).map((message) => message.status),
        ['FAILED'],
      );
      assert.equal(await givenUp(), 1);
    });

    it('does not count an unanswered re-ask of an expired challenge against its budget', async () => {
      const { facts } = await pending(1, -1000);
      const answers: Record<string, VpsAnswer> = { [facts.requestId]: timedOut };
      const options = sweepOptions(answers, 1, 1_000);
      const expired = new Date(Date.now() + 10);

      await sweepOnce(options, expired);
      assert.deepEqual(await stateOf(facts.requestId), { state: 'PENDING', reasks: 0, failure_reason: null });
      await sweepOnce(options, at(expired, 500)); // asked again only once the lease is over
      const code = voucherCode();
      answers[facts.requestId] = { kind: 'code', status: 'LATE_SUCCESS', voucherCode: code };
      await sweepOnce(options, at(expired, 2_000));
      assert.deepEqual(
        (await recordsOf(facts.requestId)).map((message) => [message.status, message.voucherCode]),
        [['LATE_SUCCESS', code]],
      );
    });
  });

  it('gives a code to the first request only: a later outcome with it, however it comes, is settled FAILED without it', async () => {
    const code = voucherCode();
    const first = request();
    const firstRecord = await store.settleNew({ request: first, status: 'SUCCESS', voucherCode: code, now: new Date() });
    assert.equal(firstRecord?.voucherCode, code);

    // The VPS's immediate answer for another request.
    const second = request();
    const secondRecord = await store.settleNew({ request: second, status: 'SUCCESS', voucherCode: code, now: new Date() });
    assert.equal(secondRecord?.status, 'FAILED');
    assert.equal('voucherCode' in secondRecord!, false);
    assert.equal((await rowOf(second.requestId))?.outcome, 'FAILED');

    // A genuine callback for a third: accepted (the VPS need not retry), settled FAILED.
    const callbacked = await pending();
    assert.deepEqual(await redeemCallback(store, { codeVerifier: callbacked.codeVerifier, status: 'SUCCESS', voucherCode: code }), {
      outcome: 'accepted',
      requestId: callbacked.facts.requestId,
      status: 'FAILED',
    });
    assert.deepEqual(await rowOf(callbacked.facts.requestId), { state: 'SETTLED', outcome: 'FAILED' });

    // The answer to a re-ask for a fourth.
    const reasked = await pending(1);
    const options = sweepOptions({ [reasked.facts.requestId]: { kind: 'code', status: 'LATE_SUCCESS', voucherCode: code } }, 1);
    await sweepOnce(options, new Date(Date.now() + 10));
    assert.deepEqual(await rowOf(reasked.facts.requestId), { state: 'SETTLED', outcome: 'FAILED' });

    const records = await Promise.all([first, second, callbacked.facts, reasked.facts].map((facts) => recordsOf(facts.requestId)));
    assert.deepEqual(
      records.map((list) => list.map((message) => [message.status, message.voucherCode])),
      [[['SUCCESS', code]], [['FAILED', undefined]], [['FAILED', undefined]], [['FAILED', undefined]]],
    );
    assert.deepEqual(
      announced.codeReused.filter((id) => [second, callbacked.facts, reasked.facts].some((facts) => facts.requestId === id)),
      [second.requestId, callbacked.facts.requestId, reasked.facts.requestId],
    );
  });

  it('gives a code to one request when several are settled with it at the same moment, in one batch or racing, new or called', async () => {
    // New requests are settled in a transaction; requests whose call is outstanding (as the handler leaves them) at once.
    for (const called of [false, true]) {
      const requests = async (count: number) => {
        const list = Array.from({ length: count }, () => request());
        if (called) await store.beginCalls(list, new Date());
        return list;
      };
      const code = voucherCode();
      const [a, b] = await requests(2);
      const now = new Date();
      const batch = await store.settleMany([
        { request: a!, status: 'SUCCESS', voucherCode: code, now },
        { request: b!, status: 'SUCCESS', voucherCode: code, now },
      ]);
      assert.deepEqual(
        batch.map((message) => [message?.status, message?.voucherCode]),
        [
          ['SUCCESS', code],
          ['FAILED', undefined],
        ],
      );

      const other = voucherCode();
      const racers = await requests(6);
      const raced = await Promise.all(
        racers.map((facts) => store.settleNew({ request: facts, status: 'SUCCESS', voucherCode: other, now })),
      );
      assert.equal(raced.filter((message) => message?.voucherCode === other).length, 1, 'one request has the code');
      assert.equal(raced.filter((message) => message?.status === 'FAILED').length, 5, 'every other one failed');
      const rows = await Promise.all(racers.map((facts) => rowOf(facts.requestId)));
      assert.equal(rows.filter((row) => row?.state === 'SETTLED').length, 6, 'all are settled');
    }
  });

  it('settles the same requests from two batches in opposite orders without a deadlock, each once', async () => {
    for (let round = 0; round < 20; round++) {
      const requests = Array.from({ length: 50 }, () => request());
      await store.beginCalls(requests, new Date());
      const now = new Date();
      const outcomes = requests.map((facts) => ({ request: facts, status: 'SUCCESS' as const, voucherCode: voucherCode(), now }));
      const [forwards, backwards] = await Promise.all([store.settleMany(outcomes), store.settleMany([...outcomes].reverse())]);
      const recorded = [...forwards!, ...backwards!].filter(Boolean).map((message) => message!.requestId);
      assert.deepEqual(recorded.sort(), requests.map((facts) => facts.requestId).sort(), 'each request recorded by one batch');
    }
  });

  it('settles a batch whose codes are partly contested: each outcome ends as it would alone, announced once committed', async () => {
    const [taken, own, shared, fresh, another] = [voucherCode(), voucherCode(), voucherCode(), voucherCode(), voucherCode()];
    // `taken` is another request's; `own` was issued to a request since forgotten, which is asked about again.
    await store.settleNew({ request: request(), status: 'SUCCESS', voucherCode: taken, now: new Date() });
    const forgotten = request();
    await store.settleNew({ request: forgotten, status: 'SUCCESS', voucherCode: own, now: new Date() });
    await database.query('DELETE FROM outbox WHERE request_id = $1', [forgotten.requestId]); // published long ago
    await database.query('DELETE FROM vps_requests WHERE request_id = $1', [forgotten.requestId]);
    const settledAlready = request();
    await store.settleNew({ request: settledAlready, status: 'FAILED', now: new Date() });

    const [clear, reusing, failing, first, second, unseen] = [request(), request(), request(), request(), request(), request()];
    // All but `unseen` (settled without a call recorded first) as the handler leaves them: their calls outstanding.
    await store.beginCalls([clear, reusing, forgotten, failing, first, second], new Date());
    const now = new Date();
    const before = { written: announced.written.length, reused: announced.codeReused.length };
    const batch = await store.settleMany([
      { request: clear, status: 'SUCCESS', voucherCode: fresh, now },
      { request: reusing, status: 'LATE_SUCCESS', voucherCode: taken, now },
      { request: forgotten, status: 'SUCCESS', voucherCode: own, now },
      { request: failing, status: 'FAILED', now, reason: 'the VPS said no' },
      { request: first, status: 'SUCCESS', voucherCode: shared, now },
      { request: second, status: 'SUCCESS', voucherCode: shared, now },
      { request: settledAlready, status: 'SUCCESS', voucherCode: voucherCode(), now },
      { request: clear, status: 'SUCCESS', voucherCode: fresh, now },
      { request: unseen, status: 'SUCCESS', voucherCode: another, now },
    ]);
    const expected = [
      ['SUCCESS', fresh],
      ['FAILED', undefined],
      ['SUCCESS', own],
      ['FAILED', undefined],
      ['SUCCESS', shared],
      ['FAILED', undefined],
      undefined,
      undefined,
      ['SUCCESS', another],
    ];
    assert.deepEqual(
      batch.map((message) => message && [message.status, message.voucherCode]),
      expected,
    );

    const settled = [clear, reusing, forgotten, failing, first, second, unseen];
    const endings = await Promise.all(
      settled.map(async ({ requestId }) => {
        const [row] = await database.query<{ state: string; outcome: string; failure_reason: string | null }>(
          'SELECT state, outcome, failure_reason FROM vps_requests WHERE request_id = $1',
          [requestId],
        );
        const records = (await recordsOf(requestId)).map((message) => [message.status, message.voucherCode]);
        return [row?.state, row?.outcome, row?.failure_reason, records];
      }),
    );
    const reused = 'the VPS had issued this code to another request';
    assert.deepEqual(endings, [
      ['SETTLED', 'SUCCESS', null, [expected[0]]],
      ['SETTLED', 'FAILED', reused, [expected[1]]],
      ['SETTLED', 'SUCCESS', null, [expected[2]]],
      ['SETTLED', 'FAILED', 'the VPS said no', [expected[3]]],
      ['SETTLED', 'SUCCESS', null, [expected[4]]],
      ['SETTLED', 'FAILED', reused, [expected[5]]],
      ['SETTLED', 'SUCCESS', null, [expected[8]]],
    ]);
    assert.deepEqual(await rowOf(settledAlready.requestId), { state: 'SETTLED', outcome: 'FAILED' }, 'its earlier outcome stands');
    assert.equal((await recordsOf(settledAlready.requestId)).length, 1);
    assert.deepEqual(
      announced.written.slice(before.written).sort(),
      settled.map((facts) => facts.requestId).sort(),
      'each record announced once',
    );
    assert.deepEqual(announced.codeReused.slice(before.reused), [reusing.requestId, second.requestId]);
  });

  it('leaves an outcome whose code claim lost untouched until its own transaction commits: dying in between loses nothing', async () => {
    const taken = voucherCode();
    await store.settleNew({ request: request(), status: 'SUCCESS', voucherCode: taken, now: new Date() });
    const [clear, contested] = [request(), request()];
    await store.beginCalls([clear, contested], new Date());
    // The process dies once the batch's first statement has committed, before the contested outcome's transaction.
    const dying = new RequestStore({
      ...database,
      transaction: async () => {
        throw new Error('the process died');
      },
    });
    const code = voucherCode();
    const now = new Date();
    const contestedOutcome = { request: contested, status: 'SUCCESS' as const, voucherCode: taken, now };
    await assert.rejects(dying.settleMany([{ request: clear, status: 'SUCCESS', voucherCode: code, now }, contestedOutcome]), /died/);
    assert.deepEqual(await rowOf(clear.requestId), { state: 'SETTLED', outcome: 'SUCCESS' });
    assert.deepEqual(
      (await recordsOf(clear.requestId)).map((message) => message.voucherCode),
      [code],
    );
    assert.deepEqual(await rowOf(contested.requestId), { state: 'CALLING', outcome: null }, 'never settled without its record');
    assert.deepEqual(await recordsOf(contested.requestId), []);

    // Its redelivery finds the call outstanding, and settles it as it would have been.
    assert.deepEqual(await store.beginCalls([contested], new Date()), ['resumed']);
    const [again] = await store.settleMany([contestedOutcome]);
    assert.equal(again?.status, 'FAILED');
    assert.deepEqual(
      (await recordsOf(contested.requestId)).map((message) => [message.status, message.voucherCode]),
      [['FAILED', undefined]],
    );
  });

  it('does not take a code from the request it was issued to, when that request is asked about again after being forgotten', async () => {
    const code = voucherCode();
    const facts = request();
    await store.settleNew({ request: facts, status: 'SUCCESS', voucherCode: code, now: new Date() });
    await database.query('DELETE FROM vps_requests WHERE request_id = $1', [facts.requestId]);
    const again = await store.settleNew({ request: facts, status: 'SUCCESS', voucherCode: code, now: new Date() });
    assert.equal(again?.voucherCode, code);
  });
});
