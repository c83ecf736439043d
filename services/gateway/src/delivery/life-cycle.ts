import { createHash } from 'node:crypto';
import type { ReceiveCodeMessage, VoucherStatus } from '@voucher/contracts';
import type { Queryable } from '@voucher/platform/database';
import type { TraceContext } from '@voucher/platform/telemetry';

/**
 * The customer's delivery: where each request stands, in one column, and every SQL statement that moves it. Each
 * transition is one conditional UPDATE guarded by the state it leaves, so whoever wins it (a replica's page, the
 * delivery worker, a redelivered Kafka message) acts, and everyone else changes nothing. Nothing waits in memory:
 * what must happen later is the row's `due_at`, which the delivery worker of any replica picks up.
 *
 *   state         meaning                                                     customer sees
 *   PROCESSING    accepted (the broker acknowledged request-code); no outcome  PROCESSING
 *   UNCONFIRMED   the broker did not acknowledge in time: told to retry (503)  PROCESSING
 *   WEB_READY     a WEB outcome waits, until due_at, for a page to take it     PROCESSING
 *   SMS_PENDING   the outcome is to be texted; due_at is the next attempt      PROCESSING
 *   DELIVERED     the code was shown on a page                     (final)     DELIVERED + code
 *   SENT_BY_SMS   the code was texted                              (final)     SENT_BY_SMS
 *   FAILED        the customer was told it failed (page or SMS)                FAILED
 *   ABANDONED     UNCONFIRMED, never retried, long past its deadline (final)   FAILED
 *
 * A code is money: one that arrives after the gateway gave up (FAILED by the overdue sweep, or ABANDONED) is still
 * texted. The table below is the whole life cycle; each entry is made by the `lifeCycle` statement of the same name
 * (`outcome` and `lateCode` by recordOutcomes, `giveUp` and `abandon` by giveUpOverdue).
 */
export type DeliveryState =
  'PROCESSING' | 'UNCONFIRMED' | 'WEB_READY' | 'SMS_PENDING' | 'DELIVERED' | 'SENT_BY_SMS' | 'FAILED' | 'ABANDONED';

export interface Transition {
  from: DeliveryState[];
  to: DeliveryState[];
  by: string;
}

export const transitions = {
  publishUnconfirmed: { from: ['PROCESSING'], to: ['UNCONFIRMED'], by: 'POST /voucher: the broker did not acknowledge' },
  publishConfirmed: { from: ['UNCONFIRMED'], to: ['PROCESSING'], by: 'POST /voucher retried with the key: acknowledged' },
  outcome: {
    from: ['PROCESSING', 'UNCONFIRMED'],
    to: ['WEB_READY', 'SMS_PENDING'],
    by: 'receive-code: WEB channel to WEB_READY, SMS channel to SMS_PENDING',
  },
  lateCode: {
    from: ['FAILED', 'ABANDONED', 'SMS_PENDING'],
    to: ['SMS_PENDING'],
    by: 'receive-code: a code after the gateway gave up (its failure text sent, or still waiting to go: the code goes instead)',
  },
  pageTakes: { from: ['WEB_READY'], to: ['DELIVERED', 'FAILED'], by: "the replica holding the customer's page" },
  pageVanished: { from: ['DELIVERED', 'FAILED'], to: ['SMS_PENDING'], by: 'a page claimed it but closed before the event was written' },
  handOffDue: { from: ['WEB_READY'], to: ['SMS_PENDING'], by: 'delivery worker: no page took it by due_at' },
  smsSent: { from: ['SMS_PENDING'], to: ['SENT_BY_SMS', 'FAILED'], by: 'delivery worker: the SMS gateway accepted the text' },
  giveUp: { from: ['PROCESSING'], to: ['SMS_PENDING'], by: 'overdue sweep: no outcome long after the deadline' },
  abandon: { from: ['UNCONFIRMED'], to: ['ABANDONED'], by: 'overdue sweep: never confirmed, long after the deadline' },
} satisfies Record<string, Transition>;

export interface DeliveryRow {
  requestId: string;
  phoneNumber: string;
  state: DeliveryState;
  deadline: Date;
  voucherCode: string | null;
  status: VoucherStatus | null;
  message: string | null;
  smsAttempts: number;
  /** The trace (and requestId) of the receive-code handling that recorded the outcome: the delivery continues it. */
  traceContext: TraceContext | null;
}

const columns = `request_id AS "requestId", phone_number AS "phoneNumber", state, deadline, voucher_code AS "voucherCode",
  status, message, sms_attempts AS "smsAttempts", trace_context AS "traceContext"`;
const NOTIFY_CHANNEL = 'voucher_ready';

// The prepared statements' texts, built once: a text built on every call would be built, and hashed to find its
// statement's name, on every call.
const FIND_MANY = `SELECT ${columns} FROM voucher_requests WHERE request_id = ANY($1::uuid[])`;
const RECORD_OUTCOMES = `WITH outcome AS (
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bytea[], $9::jsonb[])
       AS o(request_id, status, voucher_code, message, phone_number, channel, code_digest, trace_context)),
   moved AS (
     UPDATE voucher_requests AS r
     SET state = CASE WHEN r.state IN ('PROCESSING', 'UNCONFIRMED') AND o.channel = 'WEB' THEN 'WEB_READY' ELSE 'SMS_PENDING' END,
         due_at = CASE WHEN r.state IN ('PROCESSING', 'UNCONFIRMED') AND o.channel = 'WEB'
                  THEN now() + make_interval(secs => $8::float8 / 1000) ELSE now() END,
         voucher_code = o.voucher_code, code_digest = o.code_digest, status = o.status, message = o.message, updated_at = now(),
         outcome_at = now(),
         trace_context = o.trace_context
     FROM outcome AS o
     WHERE r.request_id = o.request_id AND r.phone_number = o.phone_number
       AND (r.state IN ('PROCESSING', 'UNCONFIRMED')
            OR (r.state IN ('FAILED', 'ABANDONED', 'SMS_PENDING') AND r.status IS NULL AND o.voucher_code IS NOT NULL))
     RETURNING r.request_id, r.state),
   announced AS (
     SELECT pg_notify('${NOTIFY_CHANNEL}', string_agg(request_id::text, ',')) FROM moved WHERE state = 'WEB_READY' HAVING count(*) > 0)
   SELECT request_id AS "requestId", state, (SELECT count(*) FROM announced) AS announced FROM moved`;
const PAGE_TAKES = `WITH taken AS (
     UPDATE voucher_requests SET state = CASE WHEN voucher_code IS NULL THEN 'FAILED' ELSE 'DELIVERED' END, due_at = NULL,
       updated_at = now(), told_at = now()
     WHERE request_id = ANY($1::uuid[]) AND state = 'WEB_READY' RETURNING ${columns}
   )
   SELECT *, true AS claimed FROM taken
   UNION ALL
   SELECT ${columns}, false FROM voucher_requests
   WHERE request_id = ANY($1::uuid[]) AND request_id NOT IN (SELECT "requestId" FROM taken)`;

const codeDigest = (code: string | undefined) => (code ? createHash('sha256').update(code).digest() : null);

type NewRequest = { requestId: string; phoneNumber: string; deadline: Date };

export const lifeCycle = {
  /** NOTIFY channel; the payload is a comma-separated list of request ids. */
  notifyChannel: NOTIFY_CHANNEL,

  /** New requests, PROCESSING, in one statement (customers' requests arriving together share the round trip). */
  async insert(db: Queryable, requests: NewRequest[]): Promise<void> {
    await db.query(
      `INSERT INTO voucher_requests (request_id, phone_number, state, deadline)
       SELECT request_id, phone_number, 'PROCESSING', deadline FROM unnest($1::uuid[], $2::text[], $3::timestamptz[]) AS batch(request_id, phone_number, deadline)`,
      [requests.map((r) => r.requestId), requests.map((r) => r.phoneNumber), requests.map((r) => r.deadline)],
      { prepare: true },
    );
  },

  /**
   * New requests each under its customer's Idempotency-Key, in one statement: a request's row is inserted only if its
   * key was free (the key is reserved in the same statement, so the two never exist apart). Returns the requestIds
   * inserted; a request left out found its key taken (by an earlier request, or by another one in the same batch).
   */
  async insertKeyed(db: Queryable, requests: Array<NewRequest & { idempotencyKey: string }>): Promise<Set<string>> {
    const rows = await db.query<{ request_id: string }>(
      `WITH batch AS (
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[]) AS batch(request_id, phone_number, key, deadline)
       ), reserved AS (
         INSERT INTO idempotency_keys (phone_number, key, request_id)
         SELECT phone_number, key, request_id FROM batch
         ON CONFLICT (phone_number, key) DO NOTHING
         RETURNING request_id
       )
       INSERT INTO voucher_requests (request_id, phone_number, state, deadline)
       SELECT request_id, phone_number, 'PROCESSING', deadline FROM batch JOIN reserved USING (request_id)
       RETURNING request_id`,
      [
        requests.map((r) => r.requestId),
        requests.map((r) => r.phoneNumber),
        requests.map((r) => r.idempotencyKey),
        requests.map((r) => r.deadline),
      ],
      { prepare: true },
    );
    return new Set(rows.map((row) => row.request_id));
  },

  async find(db: Queryable, requestId: string): Promise<DeliveryRow | undefined> {
    return (await db.query<DeliveryRow>(`SELECT ${columns} FROM voucher_requests WHERE request_id = $1`, [requestId]))[0];
  },

  /** Prepared: every page asks it as it opens (ownRequestFinder). */
  async findMany(db: Queryable, requestIds: string[]): Promise<DeliveryRow[]> {
    return db.query<DeliveryRow>(FIND_MANY, [requestIds], { prepare: true });
  },

  async publishUnconfirmed(db: Queryable, requestId: string): Promise<void> {
    await db.query(`UPDATE voucher_requests SET state = 'UNCONFIRMED', updated_at = now() WHERE request_id = $1 AND state = 'PROCESSING'`, [
      requestId,
    ]);
  },

  async publishConfirmed(db: Queryable, requestId: string): Promise<void> {
    await db.query(`UPDATE voucher_requests SET state = 'PROCESSING', updated_at = now() WHERE request_id = $1 AND state = 'UNCONFIRMED'`, [
      requestId,
    ]);
  },

  /**
   * Takes the outcomes of requests still waiting for one (or a code for one the gateway gave up on), obeying the
   * channel the integration service chose: WEB waits `handoffMs` for a page, SMS is due at once. One statement for
   * the whole batch, which also tells every replica (one NOTIFY naming the WEB ones; a NOTIFY serialises commits, so
   * one per batch, not per outcome). Returns the new state of each request that moved; a redelivery, another phone
   * number or an unknown request moves nothing. A code another request already has fails the statement (unique digest).
   * `traceContexts[i]` is the trace message i was handled in, which its delivery continues.
   */
  async recordOutcomes(
    db: Queryable,
    messages: ReceiveCodeMessage[],
    handoffMs: number,
    traceContexts: TraceContext[] = [],
  ): Promise<Map<string, DeliveryState>> {
    const rows = await db.query<{ requestId: string; state: DeliveryState }>(
      RECORD_OUTCOMES,
      [
        messages.map((m) => m.requestId),
        messages.map((m) => m.status),
        messages.map((m) => m.voucherCode ?? null),
        messages.map((m) => m.message),
        messages.map((m) => m.phoneNumber),
        messages.map((m) => m.channel),
        messages.map((m) => codeDigest(m.voucherCode)),
        handoffMs,
        messages.map((_, index) => JSON.stringify(traceContexts[index] ?? {})),
      ],
      { prepare: true },
    );
    return new Map(rows.map((row) => [row.requestId, row.state]));
  },

  /**
   * The pages' claim, and a look at the rest in the same statement: each WEB outcome among these requests is the pages'
   * to show (`claimed`, as the pages must show them); every other request is as it stood when the statement began
   * (`unclaimed`). One WEB_READY there was claimed meanwhile by another replica or the worker: read it again to see how
   * it ended. Prepared: every purchase shown on a page runs it twice (as the page opens, as its outcome is announced).
   */
  async pageTakes(db: Queryable, requestIds: string[]): Promise<{ claimed: DeliveryRow[]; unclaimed: DeliveryRow[] }> {
    const rows = await db.query<DeliveryRow & { claimed: boolean }>(PAGE_TAKES, [requestIds], { prepare: true });
    const claimed: DeliveryRow[] = [];
    const unclaimed: DeliveryRow[] = [];
    for (const { claimed: taken, ...row } of rows) (taken ? claimed : unclaimed).push(row);
    return { claimed, unclaimed };
  },

  /** Undoes pageTakes when every page closed before the event was written: the outcome goes by SMS instead. */
  async pageVanished(db: Queryable, requestId: string): Promise<void> {
    await db.query(
      `UPDATE voucher_requests SET state = 'SMS_PENDING', due_at = now(), updated_at = now(), told_at = NULL
       WHERE request_id = $1 AND state IN ('DELIVERED', 'FAILED') AND status IS NOT NULL`,
      [requestId],
    );
  },

  /** WEB outcomes no page took in time become SMS_PENDING, due at once. Returns how many. */
  async handOffDue(db: Queryable, now: Date, limit: number): Promise<number> {
    const rows = await db.query(
      `UPDATE voucher_requests SET state = 'SMS_PENDING', due_at = $1, updated_at = now()
       WHERE request_id IN (SELECT request_id FROM voucher_requests WHERE state = 'WEB_READY' AND due_at <= $1 LIMIT $2 FOR UPDATE SKIP LOCKED)
         AND state = 'WEB_READY'
       RETURNING 1`,
      [now, limit],
    );
    return rows.length;
  },

  /**
   * Leases the SMS sends that are due: each row's due_at moves `leaseMs` ahead, so a worker that dies mid-send leaves
   * the row to be picked up again after the lease (the SMS gateway's idempotency key then prevents a second text).
   */
  async leaseDueSms(db: Queryable, now: Date, leaseMs: number, limit: number): Promise<DeliveryRow[]> {
    return db.query<DeliveryRow>(
      `UPDATE voucher_requests SET due_at = $1::timestamptz + make_interval(secs => $2::float8 / 1000), sms_attempts = sms_attempts + 1
       WHERE request_id IN (
         SELECT request_id FROM voucher_requests WHERE state = 'SMS_PENDING' AND due_at <= $1 ORDER BY due_at LIMIT $3 FOR UPDATE SKIP LOCKED)
       RETURNING ${columns}`,
      [now, leaseMs, limit],
    );
  },

  /**
   * Records the texts the SMS gateway took: a code is no longer kept here (voucher-service keeps every code; its digest
   * stays), and pages still open anywhere are told how their request ended, all in one statement. Each is matched on the
   * code it carried (none for a failure text): a late code that replaced a give-up text while that text was being sent
   * leaves the row SMS_PENDING, so the code goes too.
   */
  async smsSent(
    db: Queryable,
    sent: Array<Pick<DeliveryRow, 'requestId' | 'voucherCode'>>,
  ): Promise<Array<{ requestId: string; state: DeliveryState }>> {
    return db.query<{ requestId: string; state: DeliveryState }>(
      `WITH sent AS (
         UPDATE voucher_requests AS r
         SET state = CASE WHEN r.voucher_code IS NULL THEN 'FAILED' ELSE 'SENT_BY_SMS' END, voucher_code = NULL, due_at = NULL,
           updated_at = now(), told_at = now()
         FROM unnest($1::uuid[], $2::text[]) AS s(request_id, voucher_code)
         WHERE r.request_id = s.request_id AND r.state = 'SMS_PENDING' AND r.voucher_code IS NOT DISTINCT FROM s.voucher_code
         RETURNING r.request_id, r.state)
       SELECT request_id AS "requestId", state, (SELECT pg_notify('${NOTIFY_CHANNEL}', string_agg(request_id::text, ',')) FROM sent) FROM sent`,
      [sent.map((row) => row.requestId), sent.map((row) => row.voucherCode)],
    );
  },

  async smsRetryAt(db: Queryable, requestId: string, at: Date): Promise<void> {
    await db.query(`UPDATE voucher_requests SET due_at = $2 WHERE request_id = $1 AND state = 'SMS_PENDING'`, [requestId, at]);
  },

  /**
   * At most `limit` requests whose deadline passed before `cutoff` without an outcome: an accepted one is failed and
   * its customer texted `message` (an SMS due at once); an unconfirmed one, whose customer was told nothing was
   * accepted, is abandoned silently. Returns how many requests moved.
   */
  async giveUpOverdue(db: Queryable, cutoff: Date, message: string, limit: number): Promise<number> {
    const rows = await db.query(
      `UPDATE voucher_requests
       SET state = CASE WHEN state = 'PROCESSING' THEN 'SMS_PENDING' ELSE 'ABANDONED' END,
           due_at = CASE WHEN state = 'PROCESSING' THEN now() END, message = $2, gave_up_at = now(), updated_at = now()
       WHERE request_id IN (
         SELECT request_id FROM voucher_requests WHERE state IN ('PROCESSING', 'UNCONFIRMED') AND deadline < $1 LIMIT $3 FOR UPDATE SKIP LOCKED)
       AND state IN ('PROCESSING', 'UNCONFIRMED')
       RETURNING 1`,
      [cutoff, message, limit],
    );
    return rows.length;
  },

  /**
   * Texted codes not yet reported to voucher-service, oldest first: voucher-service knows the channel an outcome was
   * meant for, and a code meant for the web whose page had gone went by SMS; the listing, which voucher-service answers
   * alone, says so once it is reported. Every texted code is reported (the row does not keep which channel it was meant
   * for, and reporting an SMS one changes nothing).
   */
  async unreportedTexts(db: Queryable, limit: number): Promise<Array<{ requestId: string; phoneNumber: string }>> {
    return db.query<{ requestId: string; phoneNumber: string }>(
      `SELECT request_id AS "requestId", phone_number AS "phoneNumber" FROM voucher_requests
       WHERE state = 'SENT_BY_SMS' AND texted_reported_at IS NULL
       ORDER BY updated_at LIMIT $1`,
      [limit],
    );
  },

  async textsReported(db: Queryable, requestIds: string[]): Promise<void> {
    await db.query(`UPDATE voucher_requests SET texted_reported_at = now() WHERE request_id = ANY($1::uuid[])`, [requestIds]);
  },
};
