import type { ReceiveCodeMessage } from '@voucher/contracts';
import type { Queryable } from '@voucher/platform/database';
import type { TraceContext } from '@voucher/platform/telemetry';

/** A receive-code record waiting to be published, as a relay leased it. */
export interface OutboxRow {
  id: string;
  message: ReceiveCodeMessage;
  /** How many relays have taken it so far, this one included. */
  attempts: number;
  /** The trace (and requestId) of the step that settled the outcome: the record's publish continues it. */
  traceContext: TraceContext | null;
}

/** A receive-code record to add, with the trace context of the step that settled its outcome. */
export interface OutboxEntry {
  message: ReceiveCodeMessage;
  traceContext: TraceContext;
}

/** What inserting records returns for each (see insertRecords). */
export interface AddedRecord {
  id: string;
  attempts: number;
  requestId: string;
}

/**
 * The INSERT that adds records, from `source`: a relation of (e, n), each an OutboxEntry as JSON and its place (the
 * records' order). `heldMs` is the SQL for the hold in milliseconds (see outbox.add). outbox.add runs it on its own; a
 * statement that records outcomes along with other work runs it as one of its CTEs.
 */
export const insertRecords = (source: string, heldMs: string) =>
  `INSERT INTO outbox (request_id, message, trace_context, due_at, attempts)
   SELECT (e->'message'->>'requestId')::uuid, e->'message', e->'traceContext',
          now() + make_interval(secs => ${heldMs}::float8 / 1000), CASE WHEN ${heldMs}::float8 > 0 THEN 1 ELSE 0 END
   FROM ${source} ORDER BY n
   RETURNING id::text AS id, attempts, request_id::text AS "requestId"`;

/** The rows insertRecords added, each with the entry it was made from. */
export function rowsAdded(rows: AddedRecord[], entries: OutboxEntry[]): OutboxRow[] {
  // One record per request in a batch (the store settles each request once): matched by requestId, not by position.
  const entryOf = new Map(entries.map((entry) => [entry.message.requestId.toLowerCase(), entry]));
  return rows.map(({ id, attempts, requestId }) => {
    const entry = entryOf.get(requestId.toLowerCase())!;
    return { id, attempts, message: entry.message, traceContext: entry.traceContext };
  });
}

/**
 * Every statement on the `outbox` table. A record is added in the transaction that settles its request, so the two
 * commit together; a relay then leases it (one autocommit UPDATE, no transaction held while it publishes), publishes
 * it and deletes it. Times are the database's clock, so the replicas' clocks never decide when a record is due.
 */
export const outbox = {
  /**
   * Adds the records to publish; `tx` is the transaction that records their outcomes. With `heldMs`, the records come
   * leased to the caller, who publishes them as soon as `tx` commits (no relay pass in between); a caller that dies
   * first leaves them due after `heldMs`, for any relay. Without it they are due at once. Returns the rows added.
   */
  async add(tx: Queryable, entries: OutboxEntry[], heldMs = 0): Promise<OutboxRow[]> {
    if (entries.length === 0) return [];
    const rows = await tx.query<AddedRecord>(insertRecords('jsonb_array_elements($1::jsonb) WITH ORDINALITY AS batch(e, n)', '$2'), [
      JSON.stringify(entries),
      heldMs,
    ]);
    return rowsAdded(rows, entries);
  },

  /**
   * Leases up to `limit` due records: their due time moves `leaseMs` ahead, so that no other relay takes them while
   * this one publishes, and a relay that dies before deleting them leaves them to be published again after the lease.
   * SKIP LOCKED lets every replica's relay lease at once without waiting for or repeating each other. Oldest first.
   */
  async lease(db: Queryable, leaseMs: number, limit: number): Promise<OutboxRow[]> {
    const rows = await db.query<OutboxRow>(
      `UPDATE outbox SET due_at = now() + make_interval(secs => $1::float8 / 1000), attempts = attempts + 1
       WHERE id IN (SELECT id FROM outbox WHERE due_at <= now() ORDER BY due_at, id LIMIT $2 FOR UPDATE SKIP LOCKED)
       RETURNING id::text AS id, message, attempts, trace_context AS "traceContext"`,
      [leaseMs, limit],
    );
    // In the order they were added: one customer's records keep their order on the customer's partition.
    return rows.sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
  },

  /**
   * The records are on the broker: forget them, and note when their requests' outcomes were sent (`sentAt`, the start of
   * the publish the broker acknowledged) for the support view.
   */
  async remove(db: Queryable, ids: string[], sentAt = new Date()): Promise<void> {
    await db.query(
      `WITH gone AS (DELETE FROM outbox WHERE id = ANY($1::bigint[]) RETURNING request_id)
       UPDATE vps_requests SET published_at = $2 WHERE request_id IN (SELECT request_id FROM gone) AND published_at IS NULL`,
      [ids, sentAt],
      { prepare: true },
    );
  },

  /** How long until the earliest record is due (0 if one is due now), by the database's clock; undefined when none waits. */
  async nextDueInMs(db: Queryable): Promise<number | undefined> {
    // Not greatest(0, …) in SQL: greatest ignores a NULL, so an empty outbox read as "due now" and its relay polled
    // in a loop.
    const [row] = await db.query<{ ms: number | null }>(
      'SELECT ceil(extract(epoch FROM min(due_at) - now()) * 1000)::float8 AS ms FROM outbox',
    );
    const ms = row?.ms;
    return ms === null || ms === undefined ? undefined : Math.max(0, ms);
  },

  /** A publish failed: the records are due again in `delayMs`. */
  async retryIn(db: Queryable, ids: string[], delayMs: number): Promise<void> {
    await db.query('UPDATE outbox SET due_at = now() + make_interval(secs => $2::float8 / 1000) WHERE id = ANY($1::bigint[])', [
      ids,
      delayMs,
    ]);
  },
};
