import type { Queryable } from '@voucher/platform/database';

/** Sends are counted in fixed windows of one hour. */
export const SEND_WINDOW_MS = 3_600_000;

/**
 * Counts one-time-code sends per subject ("number:+84…", "address:1.2.3.4") in fixed one-hour windows, in the
 * database so that every replica sees the same counts. Ended windows are deleted by the housekeeping sweep.
 */
export async function countSend(db: Queryable, subject: string, limit: number, now = Date.now()): Promise<number | undefined> {
  const windowStart = new Date(Math.floor(now / SEND_WINDOW_MS) * SEND_WINDOW_MS);
  const [row] = await db.query<{ sends: number }>(
    `INSERT INTO otp_send_counts (subject, window_start, sends) VALUES ($1, $2, 1)
     ON CONFLICT (subject, window_start) DO UPDATE SET sends = otp_send_counts.sends + 1
     RETURNING sends`,
    [subject, windowStart],
  );
  if (row!.sends <= limit) return undefined;
  return Math.max(1, Math.ceil((windowStart.getTime() + SEND_WINDOW_MS - now) / 1000));
}
