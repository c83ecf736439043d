import type { Queryable } from '@voucher/platform/database';

/** OTP_LOCKOUT_FAILURES wrong codes within OTP_LOCKOUT_WINDOW_MS lock the number for OTP_LOCKOUT_MS. */
export interface LockoutPolicy {
  failures: number;
  windowMs: number;
  lockMs: number;
}

/**
 * Wrong sign-in codes per phone number, counted across codes (table sign_in_failures). Each code allows a few
 * guesses and a number may ask for a few codes an hour, so without this a guesser gets (codes × guesses) tries an
 * hour, every hour. The count lives in the database, so replicas share it. A row is dead once its window and its lock
 * have both ended (expires_at), and the security housekeeping deletes it.
 */
export const signInLockouts = {
  /** When the number's lock ends, if it is locked at `now`. */
  async lockedUntil(db: Queryable, phoneNumber: string, now: number): Promise<Date | undefined> {
    const [row] = await db.query<{ locked_until: Date | null }>('SELECT locked_until FROM sign_in_failures WHERE phone_number = $1', [
      phoneNumber,
    ]);
    const until = row?.locked_until ? new Date(row.locked_until) : undefined;
    return until && until.getTime() > now ? until : undefined;
  },

  /**
   * Counts one wrong code; resolves with the end of the lock when this failure locks the number. Call it inside the
   * transaction that holds the code's row lock, so that concurrent guesses for one number are counted one by one.
   */
  async recordFailure(tx: Queryable, phoneNumber: string, policy: LockoutPolicy, now: number): Promise<Date | undefined> {
    const [row] = await tx.query<{ window_start: Date; failures: number }>(
      'SELECT window_start, failures FROM sign_in_failures WHERE phone_number = $1 FOR UPDATE',
      [phoneNumber],
    );
    const windowOpen = row !== undefined && new Date(row.window_start).getTime() + policy.windowMs > now;
    const windowStart = windowOpen ? new Date(row.window_start).getTime() : now;
    const failures = (windowOpen ? row.failures : 0) + 1;
    const locks = failures >= policy.failures;
    // Locking starts a fresh count: after the lock, the number has the whole allowance again.
    const lockedUntil = locks ? new Date(now + policy.lockMs) : null;
    const expiresAt = new Date(Math.max(windowStart + policy.windowMs, lockedUntil?.getTime() ?? 0));
    await tx.query(
      `INSERT INTO sign_in_failures (phone_number, window_start, failures, locked_until, expires_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (phone_number) DO UPDATE SET window_start = $2, failures = $3, locked_until = $4, expires_at = $5`,
      [phoneNumber, new Date(locks ? now : windowStart), locks ? 0 : failures, lockedUntil, expiresAt],
    );
    return lockedUntil ?? undefined;
  },

  /** A right code wipes the slate. */
  async clear(tx: Queryable, phoneNumber: string): Promise<void> {
    await tx.query('DELETE FROM sign_in_failures WHERE phone_number = $1', [phoneNumber]);
  },
};
