import type { Queryable } from '@voucher/platform/database';

export interface IdempotencyEntry {
  requestId: string;
  /** Null until the broker acknowledged the request's publish (by any attempt with this key). */
  acceptedAt: Date | null;
}

/** The idempotency_keys table: one entry per (phone number, Idempotency-Key), naming the one request it created. */
export const idempotencyStore = {
  /** Returns false when the key is already taken for this phone number. */
  async reserve(db: Queryable, phoneNumber: string, key: string, requestId: string): Promise<boolean> {
    const rows = await db.query(
      `INSERT INTO idempotency_keys (phone_number, key, request_id) VALUES ($1, $2, $3)
       ON CONFLICT (phone_number, key) DO NOTHING RETURNING request_id`,
      [phoneNumber, key, requestId],
    );
    return rows.length === 1;
  },

  async find(db: Queryable, phoneNumber: string, key: string): Promise<IdempotencyEntry | undefined> {
    const rows = await db.query<IdempotencyEntry>(
      `SELECT request_id AS "requestId", accepted_at AS "acceptedAt" FROM idempotency_keys WHERE phone_number = $1 AND key = $2`,
      [phoneNumber, key],
    );
    return rows[0];
  },

  async markAccepted(db: Queryable, phoneNumber: string, key: string): Promise<void> {
    await db.query('UPDATE idempotency_keys SET accepted_at = coalesce(accepted_at, now()) WHERE phone_number = $1 AND key = $2', [
      phoneNumber,
      key,
    ]);
  },
};
