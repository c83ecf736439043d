import pg from 'pg';
import type { SentRequest } from './kafka-load.ts';

export interface StoredTimes {
  /** stored_at − issued_at per request (the pipeline's overhead after the VPS answered), ms. */
  overheadMs: number[];
  /** stored_at − the time the request-code message was sent, ms. */
  endToEndMs: number[];
  source: string;
}

/** Every request's times, straight from voucher-service's table. */
async function fromDatabase(url: string, sent: SentRequest[]): Promise<StoredTimes> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ request_id: string; overhead_ms: number; stored_ms: number }>(
      `SELECT request_id, extract(epoch FROM stored_at - issued_at)::float8 * 1000 AS overhead_ms,
              extract(epoch FROM stored_at)::float8 * 1000 AS stored_ms
       FROM voucher_service.vouchers WHERE request_id = ANY($1::uuid[])`,
      [sent.map((request) => request.requestId)],
    );
    const sentAt = new Map(sent.map((request) => [request.requestId, request.sentAtMs]));
    return {
      overheadMs: rows.map((row) => row.overhead_ms),
      endToEndMs: rows.map((row) => row.stored_ms - sentAt.get(row.request_id)!),
      source: 'voucher_service.vouchers (PostgreSQL), every request',
    };
  } finally {
    await client.end();
  }
}

export function storedTimes(sent: SentRequest[]): Promise<StoredTimes> {
  return fromDatabase(process.env.DATABASE_URL ?? '', sent);
}
