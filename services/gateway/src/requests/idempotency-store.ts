import type { Queryable } from '@voucher/platform/database';

export interface IdempotencyEntry {
  requestId: string;
  /** Null until the broker acknowledged the request's publish (by any attempt with this key). */
  acceptedAt: Date | null;
}

/** The idempotency_keys table: one entry per (phone number, Idempotency-Key), naming the one request it created. */
export const idempotencyStore = {
  async find(db: Queryable, phoneNumber: string, key: string): Promise<IdempotencyEntry | undefined> {
    const rows = await db.query<IdempotencyEntry>(
      `SELECT request_id AS "requestId", accepted_at AS "acceptedAt" FROM idempotency_keys WHERE phone_number = $1 AND key = $2`,
      [phoneNumber, key],
    );
    return rows[0];
  },

  /** Notes that the broker acknowledged these keys' requests, in one statement. */
  async markManyAccepted(db: Queryable, keys: Array<{ phoneNumber: string; key: string }>): Promise<void> {
    await db.query(
      `UPDATE idempotency_keys SET accepted_at = coalesce(accepted_at, now())
       FROM unnest($1::text[], $2::text[]) AS accepted(phone_number, key)
       WHERE idempotency_keys.phone_number = accepted.phone_number AND idempotency_keys.key = accepted.key`,
      [keys.map((k) => k.phoneNumber), keys.map((k) => k.key)],
    );
  },
};
