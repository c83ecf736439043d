import type { Queryable } from '@voucher/platform/database';

export interface IdempotencyEntry {
  requestId: string;
}

/** The idempotency_keys table: one entry per (phone number, Idempotency-Key), naming the one request it created. */
export const idempotencyStore = {
  async find(db: Queryable, phoneNumber: string, key: string): Promise<IdempotencyEntry | undefined> {
    const rows = await db.query<IdempotencyEntry>(
      `SELECT request_id AS "requestId" FROM idempotency_keys WHERE phone_number = $1 AND key = $2`,
      [phoneNumber, key],
    );
    return rows[0];
  },
};
