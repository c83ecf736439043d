import pg from 'pg';
import type { SentRequest } from './kafka-load.ts';

export interface StoredTimes {
  /** stored_at − issued_at per request (the pipeline's overhead after the VPS answered), ms. */
  overheadMs: number[];
  /** stored_at − the time the request-code message was sent, ms. */
  endToEndMs: number[];
  source: string;
}

const HTTP_SAMPLE = 2_000;
const HTTP_CONCURRENCY = 16;

/** On PostgreSQL: every request's times, straight from voucher-service's table. */
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

/** On PGlite the service holds its data dir: an even sample through GET /api/vouchers/{requestId}. */
async function fromHttp(voucherUrl: string, sent: SentRequest[]): Promise<StoredTimes> {
  const step = Math.max(1, Math.floor(sent.length / HTTP_SAMPLE));
  const sample = sent.filter((_, index) => index % step === 0).slice(0, HTTP_SAMPLE);
  const times: StoredTimes = { overheadMs: [], endToEndMs: [], source: `GET /api/vouchers/{requestId}, ${sample.length} sampled requests` };
  const worker = async () => {
    for (let request = sample.pop(); request; request = sample.pop()) {
      const response = await fetch(`${voucherUrl}/api/vouchers/${request.requestId}`);
      if (!response.ok) continue;
      const row = (await response.json()) as { issuedAt: string; storedAt: string };
      times.overheadMs.push(Date.parse(row.storedAt) - Date.parse(row.issuedAt));
      times.endToEndMs.push(Date.parse(row.storedAt) - request.sentAtMs);
    }
  };
  await Promise.all(Array.from({ length: HTTP_CONCURRENCY }, worker));
  return times;
}

export function storedTimes(voucherUrl: string, sent: SentRequest[]): Promise<StoredTimes> {
  const url = process.env.DATABASE_URL;
  return url ? fromDatabase(url, sent) : fromHttp(voucherUrl, sent);
}
