import type { Queryable } from '@voucher/platform/database';

/** A table whose rows are dead once `column` is before the cut-off. voucher_requests is never one: it is history. */
export interface ExpiryRule {
  table: string;
  column: string;
  cutoff(now: Date): Date;
}

/** What the gateway keeps, and for how long (`sendWindowMs`: the sign-in send counter's window, auth's setting). */
export function expiryRules(idempotencyKeyTtlMs: number, sendWindowMs: number): ExpiryRule[] {
  const before = (now: Date, ms: number) => new Date(now.getTime() - ms);
  return [
    // A retry with the same Idempotency-Key within the TTL gets the first answer; after it, it is a new request.
    { table: 'idempotency_keys', column: 'created_at', cutoff: (now) => before(now, idempotencyKeyTtlMs) },
    { table: 'otp_codes', column: 'expires_at', cutoff: (now) => now },
    { table: 'stream_tickets', column: 'expires_at', cutoff: (now) => now },
    // A window has ended once it started a whole window ago.
    { table: 'otp_send_counts', column: 'window_start', cutoff: (now) => before(now, sendWindowMs) },
  ];
}

/**
 * Deletes at most `limit` dead rows of one table and returns how many went. The cut-off is repeated outside the
 * sub-select so that a row renewed meanwhile (a fresh OTP replacing an expired one under the same key) survives;
 * replicas sweeping at once at worst pick the same rows, and only one deletes each. `ctid = ANY(ARRAY(…))` makes
 * PostgreSQL fetch just the chosen rows (a TID scan). Table and column names come from expiryRules, never from input.
 */
export async function deleteExpiredBatch(db: Queryable, rule: ExpiryRule, now: Date, limit: number): Promise<number> {
  const { table, column } = rule;
  const rows = await db.query(
    `DELETE FROM ${table} WHERE ctid = ANY(ARRAY(SELECT ctid FROM ${table} WHERE ${column} < $1 LIMIT $2)) AND ${column} < $1
     RETURNING 1`,
    [rule.cutoff(now), limit],
  );
  return rows.length;
}
