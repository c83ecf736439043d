import type { Queryable } from '@voucher/platform/database';

/** Sends per number and per address are counted in fixed windows of one hour. */
export const SEND_WINDOW_MS = 3_600_000;

/**
 * Counts one-time-code sends per subject ("number:+84…", "address:1.2.3.4", "address:2001:db8:1:2::/64",
 * "all") in fixed windows (one hour unless `windowMs` says otherwise, at most an hour so that the housekeeping sweep's
 * cut-off never deletes a live window), in the database so that every replica sees the same counts. Resolves with
 * the seconds to wait when the subject is over `limit`, else undefined.
 */
export async function countSend(
  db: Queryable,
  subject: string,
  limit: number,
  now = Date.now(),
  windowMs = SEND_WINDOW_MS,
): Promise<number | undefined> {
  const windowStart = new Date(Math.floor(now / windowMs) * windowMs);
  const [row] = await db.query<{ sends: number }>(
    `INSERT INTO otp_send_counts (subject, window_start, sends) VALUES ($1, $2, 1)
     ON CONFLICT (subject, window_start) DO UPDATE SET sends = otp_send_counts.sends + 1
     RETURNING sends`,
    [subject, windowStart],
  );
  if (row!.sends <= limit) return undefined;
  return Math.max(1, Math.ceil((windowStart.getTime() + windowMs - now) / 1000));
}
