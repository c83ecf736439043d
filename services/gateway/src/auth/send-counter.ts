import type { Queryable } from '@voucher/platform/database';

const HOUR_MS = 3_600_000;

/**
 * Counts one-time-code sends per subject ("number:+84…", "address:1.2.3.4") in fixed one-hour windows, in the
 * database so that every replica sees the same counts. Old windows are deleted as new ones open.
 */
export async function countSend(db: Queryable, subject: string, limit: number, now = Date.now()): Promise<number | undefined> {
  const windowStart = new Date(Math.floor(now / HOUR_MS) * HOUR_MS);
  const [row] = await db.query<{ sends: number }>(
    `INSERT INTO otp_send_counts (subject, window_start, sends) VALUES ($1, $2, 1)
     ON CONFLICT (subject, window_start) DO UPDATE SET sends = otp_send_counts.sends + 1
     RETURNING sends`,
    [subject, windowStart],
  );
  // The first send of a subject in a window clears every finished window, so the table holds about one hour.
  if (row!.sends === 1) await db.query('DELETE FROM otp_send_counts WHERE window_start < $1', [windowStart]);
  if (row!.sends <= limit) return undefined;
  return Math.max(1, Math.ceil((windowStart.getTime() + HOUR_MS - now) / 1000));
}
