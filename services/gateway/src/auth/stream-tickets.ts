import { createHash, randomBytes } from 'node:crypto';
import type { Queryable } from '@voucher/platform/database';

const hashOf = (ticket: string) => createHash('sha256').update(ticket).digest();

/**
 * One-use tickets for a request's event stream. A browser's EventSource cannot send an Authorization header, and a
 * bearer token in a URL would end up in proxy and server logs; a ticket in the URL is harmless there: it opens one
 * stream of one request, once, for a minute. Stored hashed in the database, so any replica can redeem it; the
 * housekeeping sweep deletes tickets that expired unused.
 */
export const streamTickets = {
  async issue(db: Queryable, requestId: string, phoneNumber: string, ttlMs: number, now: number): Promise<string> {
    const ticket = randomBytes(32).toString('base64url');
    await db.query('INSERT INTO stream_tickets (ticket_hash, request_id, phone_number, expires_at) VALUES ($1, $2, $3, $4)', [
      hashOf(ticket),
      requestId,
      phoneNumber,
      new Date(now + ttlMs),
    ]);
    return ticket;
  },

  /** Uses the ticket up; resolves with the phone number it was issued to, or undefined when it opens nothing. */
  async redeem(db: Queryable, ticket: string, requestId: string, now: number): Promise<string | undefined> {
    const rows = await db.query<{ phone_number: string; expires_at: Date }>(
      'DELETE FROM stream_tickets WHERE ticket_hash = $1 AND request_id = $2 RETURNING phone_number, expires_at',
      [hashOf(ticket), requestId],
    );
    const row = rows[0];
    return row && new Date(row.expires_at).getTime() > now ? row.phone_number : undefined;
  },
};
