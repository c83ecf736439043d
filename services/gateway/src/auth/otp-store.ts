import type { Queryable } from '@voucher/platform/database';

export interface PendingCode {
  codeHash: Buffer;
  expiresAt: Date;
  attempts: number;
}

/** The otp_codes table: at most one pending code per phone number, kept only as a keyed hash. */
export const otpStore = {
  /** Replaces any earlier pending code of the number. */
  async replace(db: Queryable, phoneNumber: string, codeHash: Buffer, expiresAt: Date): Promise<void> {
    await db.query(
      `INSERT INTO otp_codes (phone_number, code_hash, expires_at, attempts) VALUES ($1, $2, $3, 0)
       ON CONFLICT (phone_number) DO UPDATE SET code_hash = $2, expires_at = $3, attempts = 0, created_at = now()`,
      [phoneNumber, codeHash, expiresAt],
    );
  },

  /** The pending code, locked for this attempt (inside a transaction) so concurrent guesses are counted one by one. */
  async lock(tx: Queryable, phoneNumber: string): Promise<PendingCode | undefined> {
    const rows = await tx.query<{ code_hash: Uint8Array; expires_at: Date; attempts: number }>(
      'SELECT code_hash, expires_at, attempts FROM otp_codes WHERE phone_number = $1 FOR UPDATE',
      [phoneNumber],
    );
    const row = rows[0];
    return row && { codeHash: Buffer.from(row.code_hash), expiresAt: new Date(row.expires_at), attempts: row.attempts };
  },

  async countFailedAttempt(tx: Queryable, phoneNumber: string): Promise<void> {
    await tx.query('UPDATE otp_codes SET attempts = attempts + 1 WHERE phone_number = $1', [phoneNumber]);
  },

  /** A used code cannot be used again. */
  async remove(tx: Queryable, phoneNumber: string): Promise<void> {
    await tx.query('DELETE FROM otp_codes WHERE phone_number = $1', [phoneNumber]);
  },
};
