import type { ReceiveCodeMessage } from '@voucher/contracts';
import type { Queryable } from '@voucher/platform/database';
import type { VoucherRequest } from './voucher-request.ts';

const columns = `request_id AS "requestId", phone_number AS "phoneNumber", state, deadline, voucher_code AS "voucherCode",
  status, message, notified_via AS "notifiedVia", page_opened_at AS "pageOpenedAt"`;

/**
 * The voucher_requests table. Every transition that tells the customer something is one conditional UPDATE, so two
 * replicas (or a redelivered message) racing for the same request cannot both win.
 */
export const requestStore = {
  async insert(db: Queryable, request: { requestId: string; phoneNumber: string; deadline: Date }): Promise<void> {
    await db.query(`INSERT INTO voucher_requests (request_id, phone_number, state, deadline) VALUES ($1, $2, 'PROCESSING', $3)`, [
      request.requestId,
      request.phoneNumber,
      request.deadline,
    ]);
  },

  /** Many new requests in one statement (customers' requests arriving together share the round trip). */
  async insertMany(db: Queryable, requests: Array<{ requestId: string; phoneNumber: string; deadline: Date }>): Promise<void> {
    await db.query(
      `INSERT INTO voucher_requests (request_id, phone_number, state, deadline)
       SELECT request_id, phone_number, 'PROCESSING', deadline FROM unnest($1::uuid[], $2::text[], $3::timestamptz[]) AS batch(request_id, phone_number, deadline)`,
      [requests.map((r) => r.requestId), requests.map((r) => r.phoneNumber), requests.map((r) => r.deadline)],
    );
  },

  async delete(db: Queryable, requestId: string): Promise<void> {
    await db.query('DELETE FROM voucher_requests WHERE request_id = $1', [requestId]);
  },

  async find(db: Queryable, requestId: string): Promise<VoucherRequest | undefined> {
    const rows = await db.query<VoucherRequest>(`SELECT ${columns} FROM voucher_requests WHERE request_id = $1`, [requestId]);
    return rows[0];
  },

  /** A code for a request this gateway never saw (its row was lost, or its POST timed out): the deadline is long gone. */
  async insertUnknown(db: Queryable, message: ReceiveCodeMessage): Promise<void> {
    await db.query(
      `INSERT INTO voucher_requests (request_id, phone_number, state, deadline) VALUES ($1, $2, 'PROCESSING', now())
       ON CONFLICT (request_id) DO NOTHING`,
      [message.requestId, message.phoneNumber],
    );
  },

  /**
   * Stores the VPS outcome on the customer's request while it is still PROCESSING, or a code for a request the gateway
   * gave up on (it then goes by SMS), and returns the updated request. Nothing changes (undefined) for a redelivered
   * outcome, an unknown request, or another phone number.
   */
  async recordOutcome(db: Queryable, message: ReceiveCodeMessage): Promise<VoucherRequest | undefined> {
    const rows = await db.query<VoucherRequest>(
      `UPDATE voucher_requests
       SET state = CASE WHEN $2 = 'FAILED' THEN 'FAILED' ELSE 'CODE_READY' END, voucher_code = $3, status = $2, message = $4,
           channel = CASE WHEN gave_up_at IS NULL THEN $6 ELSE 'SMS' END, notified_via = NULL, updated_at = now()
       WHERE request_id = $1 AND phone_number = $5
         AND (state = 'PROCESSING' OR (gave_up_at IS NOT NULL AND status IS NULL AND $2 <> 'FAILED'))
       RETURNING ${columns}`,
      [message.requestId, message.status, message.voucherCode ?? null, message.message, message.phoneNumber, message.channel],
    );
    return rows[0];
  },

  /**
   * Gives up on at most `limit` requests still PROCESSING although their deadline passed before `cutoff`: each becomes
   * FAILED with `message`, its customer not yet told (an SMS follows). SKIP LOCKED lets replicas share the work.
   */
  async giveUpOverdue(db: Queryable, cutoff: Date, message: string, limit: number): Promise<string[]> {
    const rows = await db.query<{ requestId: string }>(
      `UPDATE voucher_requests SET state = 'FAILED', message = $2, gave_up_at = now(), updated_at = now()
       WHERE request_id IN (
         SELECT request_id FROM voucher_requests WHERE state = 'PROCESSING' AND deadline < $1 LIMIT $3 FOR UPDATE SKIP LOCKED)
       AND state = 'PROCESSING'
       RETURNING request_id AS "requestId"`,
      [cutoff, message, limit],
    );
    return rows.map((row) => row.requestId);
  },

  /** A page opened the request's event stream: from now on its outcome is announced to the replicas. */
  async markPageOpened(db: Queryable, requestId: string): Promise<void> {
    await db.query('UPDATE voucher_requests SET page_opened_at = coalesce(page_opened_at, now()) WHERE request_id = $1', [requestId]);
  },

  /**
   * The replica holding the customer's page takes the outcome: a code only when it is bound for the web and before the
   * deadline, a failure any time. An SMS-bound code is never shown on a page, however the page and the SMS race.
   */
  async claimForPage(db: Queryable, requestId: string): Promise<VoucherRequest | undefined> {
    const rows = await db.query<VoucherRequest>(
      `UPDATE voucher_requests
       SET state = CASE WHEN state = 'CODE_READY' THEN 'DELIVERED' ELSE state END, notified_via = 'WEB', updated_at = now()
       WHERE request_id = $1 AND notified_via IS NULL
         AND (state = 'FAILED' OR (state = 'CODE_READY' AND channel = 'WEB' AND deadline > now()))
       RETURNING ${columns}`,
      [requestId],
    );
    return rows[0];
  },

  /** Undoes claimForPage when no page was left to show the outcome to. */
  async releasePageClaim(db: Queryable, requestId: string): Promise<void> {
    await db.query(
      `UPDATE voucher_requests
       SET state = CASE WHEN state = 'DELIVERED' THEN 'CODE_READY' ELSE state END, notified_via = NULL, updated_at = now()
       WHERE request_id = $1 AND notified_via = 'WEB'`,
      [requestId],
    );
  },

  /** Locks a request whose customer still has to be told, for the SMS about to go out (inside a transaction). */
  async lockForSms(tx: Queryable, requestId: string): Promise<VoucherRequest | undefined> {
    const rows = await tx.query<VoucherRequest>(
      `SELECT ${columns} FROM voucher_requests
       WHERE request_id = $1 AND notified_via IS NULL AND state IN ('CODE_READY', 'FAILED') FOR UPDATE`,
      [requestId],
    );
    return rows[0];
  },

  /** The code went by SMS: it is no longer kept here (voucher-service stores every code). */
  async markSentBySms(tx: Queryable, requestId: string): Promise<void> {
    await tx.query(
      `UPDATE voucher_requests
       SET state = CASE WHEN state = 'FAILED' THEN 'FAILED' ELSE 'SENT_BY_SMS' END, notified_via = 'SMS', voucher_code = NULL,
           updated_at = now()
       WHERE request_id = $1`,
      [requestId],
    );
  },
};
