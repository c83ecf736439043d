import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import type { Database } from '@voucher/platform/database';
import { sweepOnce, type HousekeepingOptions } from '../src/housekeeping/expired-rows-sweep.ts';
import { SEND_WINDOW_MS } from '../src/auth/send-counter.ts';
import type { RunningGateway } from '../src/service.ts';
import {
  logger,
  openTestDatabase,
  postVoucher,
  randomPhone,
  startReadyGateway,
  testConfig,
  toE164,
  waitFor,
} from './support/gateway-harness.ts';

const HOUR = 3_600_000;
const TTL = 24 * HOUR;
const ago = (ms: number) => new Date(Date.now() - ms);
const later = (ms: number) => new Date(Date.now() + ms);

/** Sweeps until no batch is full (the PostgreSQL schema may hold other tests' rows). */
async function sweepAll(options: HousekeepingOptions): Promise<void> {
  while (await sweepOnce(options));
}

async function insertRequestWithKey(db: Database, phone: string, key: string, createdAt: Date): Promise<string> {
  const requestId = randomUUID();
  await db.query(
    `INSERT INTO voucher_requests (request_id, phone_number, state, deadline, created_at) VALUES ($1, $2, 'SENT_BY_SMS', $3, $3)`,
    [requestId, phone, createdAt],
  );
  await db.query('INSERT INTO idempotency_keys (phone_number, key, request_id, created_at) VALUES ($1, $2, $3, $4)', [
    phone,
    key,
    requestId,
    createdAt,
  ]);
  return requestId;
}

async function insertTicket(db: Database, expiresAt: Date): Promise<Buffer> {
  const hash = randomBytes(32);
  await db.query('INSERT INTO stream_tickets (ticket_hash, request_id, phone_number, expires_at) VALUES ($1, $2, $3, $4)', [
    hash,
    randomUUID(),
    toE164(randomPhone()),
    expiresAt,
  ]);
  return hash;
}

const exists = async (db: Database, sql: string, params: unknown[]) => (await db.query(sql, params)).length === 1;

describe('housekeeping deletes dead rows and keeps live ones', () => {
  const config = testConfig();
  let db: Database;
  let options: HousekeepingOptions;

  before(async () => {
    db = await openTestDatabase(config);
    options = { db, logger, intervalMs: 60_000, batchSize: 1_000, idempotencyKeyTtlMs: TTL, sendWindowMs: SEND_WINDOW_MS };
  });
  after(() => db.close());

  test('Idempotency-Keys older than the TTL go, younger ones stay, and no voucher request is deleted', async () => {
    const phone = toE164(randomPhone());
    const oldRequest = await insertRequestWithKey(db, phone, 'old', ago(TTL + HOUR));
    const youngRequest = await insertRequestWithKey(db, phone, 'young', ago(TTL - HOUR));
    await sweepAll(options);
    const key = (name: string) => exists(db, 'SELECT 1 FROM idempotency_keys WHERE phone_number = $1 AND key = $2', [phone, name]);
    assert.equal(await key('old'), false);
    assert.equal(await key('young'), true);
    for (const requestId of [oldRequest, youngRequest]) {
      assert.equal(await exists(db, 'SELECT 1 FROM voucher_requests WHERE request_id = $1', [requestId]), true, 'history is kept');
    }
  });

  test('expired sign-in codes go, pending ones stay', async () => {
    const [expired, pending] = [toE164(randomPhone()), toE164(randomPhone())];
    const insert = 'INSERT INTO otp_codes (phone_number, code_hash, expires_at) VALUES ($1, $2, $3)';
    await db.query(insert, [expired, randomBytes(32), ago(1_000)]);
    await db.query(insert, [pending, randomBytes(32), later(HOUR)]);
    await sweepAll(options);
    const code = (phone: string) => exists(db, 'SELECT 1 FROM otp_codes WHERE phone_number = $1', [phone]);
    assert.equal(await code(expired), false);
    assert.equal(await code(pending), true);
  });

  test('expired stream tickets go, valid ones stay', async () => {
    const expired = await insertTicket(db, ago(1_000));
    const valid = await insertTicket(db, later(HOUR));
    await sweepAll(options);
    const ticket = (hash: Buffer) => exists(db, 'SELECT 1 FROM stream_tickets WHERE ticket_hash = $1', [hash]);
    assert.equal(await ticket(expired), false);
    assert.equal(await ticket(valid), true);
  });

  test('send-count windows that ended go, the running window stays', async () => {
    const subject = `number:${toE164(randomPhone())}`;
    const insert = 'INSERT INTO otp_send_counts (subject, window_start, sends) VALUES ($1, $2, 3)';
    await db.query(insert, [subject, ago(HOUR + 60_000)]);
    await db.query(insert, [subject, ago(HOUR - 60_000)]);
    await sweepAll(options);
    const windows = await db.query('SELECT 1 FROM otp_send_counts WHERE subject = $1', [subject]);
    assert.equal(windows.length, 1);
  });

  test('each run deletes at most one batch per table and reports that more is waiting', async () => {
    const tickets = [await insertTicket(db, ago(1_000)), await insertTicket(db, ago(1_000)), await insertTicket(db, ago(1_000))];
    const left = async () => (await db.query('SELECT 1 FROM stream_tickets WHERE ticket_hash = ANY($1)', [tickets])).length;
    assert.equal(await sweepOnce({ ...options, batchSize: 1 }), true);
    assert.ok((await left()) >= 2, 'one batch of one row');
    await sweepAll({ ...options, batchSize: 1 });
    assert.equal(await left(), 0);
  });
});

describe('housekeeping in a running gateway', () => {
  const config = testConfig({ HOUSEKEEPING_INTERVAL_MS: '100' });
  let db: Database;
  let gateway: RunningGateway;
  let options: HousekeepingOptions;

  before(async () => {
    db = await openTestDatabase(config);
    gateway = await startReadyGateway(config);
    options = {
      db,
      logger,
      intervalMs: 60_000,
      batchSize: 1_000,
      idempotencyKeyTtlMs: config.IDEMPOTENCY_KEY_TTL_MS,
      sendWindowMs: SEND_WINDOW_MS,
    };
  });
  after(async () => {
    await gateway.close();
    await db.close();
  });

  test('an Idempotency-Key retry within the TTL still gets the first answer after a sweep', async () => {
    const phone = randomPhone();
    const headers = { 'idempotency-key': `key-${randomUUID()}` };
    const first = await postVoucher(gateway, `?phoneNumber=${phone}`, { headers });
    assert.equal(first.response.status, 202);
    await sweepAll(options);
    const retry = await postVoucher(gateway, `?phoneNumber=${phone}`, { headers });
    assert.equal(retry.response.status, 202);
    assert.equal(retry.body.requestId, first.body.requestId);
  });

  test('a retry after the TTL is a new request, and the first one stays in the history', async () => {
    const phone = randomPhone();
    const key = `key-${randomUUID()}`;
    const firstId = await insertRequestWithKey(db, toE164(phone), key, ago(config.IDEMPOTENCY_KEY_TTL_MS + HOUR));
    await sweepAll(options);
    const retry = await postVoucher(gateway, `?phoneNumber=${phone}`, { headers: { 'idempotency-key': key } });
    assert.equal(retry.response.status, 202);
    assert.notEqual(retry.body.requestId, firstId);
    assert.equal((await fetch(`${gateway.url}/voucher/requests/${firstId}`)).status, 200);
  });

  test('the gateway sweeps on its own every HOUSEKEEPING_INTERVAL_MS', async () => {
    const expired = await insertTicket(db, ago(1_000));
    await waitFor(
      async () => (await db.query('SELECT 1 FROM stream_tickets WHERE ticket_hash = $1', [expired])).length === 0 || undefined,
      'the expired ticket to be swept',
      5_000,
    );
  });
});
