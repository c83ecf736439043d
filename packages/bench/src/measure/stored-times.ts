import pg from 'pg';
import type { SentRequest } from './kafka-load.ts';

/**
 * The pipeline's hops, in order, each from a time some process records today (see `hopSources`). A hop whose end no
 * process records has `source: undefined` and no values: the breakdown says so rather than inventing a time.
 */
export const hops = [
  {
    id: 'published',
    label: 'accepted → published',
    source: "the bench's producer: sent → the broker's acks=all (the gateway is bypassed)",
  },
  {
    id: 'consumed',
    label: 'published → consumed',
    source: 'voucher_integration_service.vps_requests.created_at (the call recorded before the VPS is asked)',
  },
  { id: 'answered', label: 'consumed → VPS answered', source: 'voucher_integration_service.vps_requests.settled_at' },
  {
    id: 'outcomePublished',
    label: 'VPS answered → outcome published',
    source: undefined,
    missing: "no recorded time: the integration service's outbox row is deleted once relayed (no published_at column)",
  },
  {
    id: 'stored',
    label: 'VPS answered → stored',
    source: 'voucher_service.vouchers.stored_at − issued_at (the VPS answer time the outcome carries)',
  },
  {
    id: 'delivered',
    label: 'stored → delivered',
    source: undefined,
    missing:
      'not in this scenario (request-code is produced straight to Kafka, so the gateway holds no row); the gateway records no ' +
      'delivery time either: voucher_requests.updated_at is overwritten by every later step',
  },
] as const;

export type HopId = (typeof hops)[number]['id'];

export interface StoredTimes {
  /** stored_at − issued_at per request (the pipeline's overhead after the VPS answered), ms. */
  overheadMs: number[];
  /** stored_at − the time the request-code message was sent, ms. */
  endToEndMs: number[];
  /** Each hop's duration per request, ms (empty for a hop no process records). */
  hopMs: Record<HopId, number[]>;
  source: string;
}

interface Row {
  request_id: string;
  consumed_ms: number | null;
  answered_ms: number | null;
  issued_ms: number;
  stored_ms: number;
}

/** Every request's times, straight from the integration service's and voucher-service's tables. */
async function fromDatabase(url: string, sent: SentRequest[]): Promise<StoredTimes> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const epochMs = (column: string) => `extract(epoch FROM ${column})::float8 * 1000`;
  try {
    const { rows } = await client.query<Row>(
      `SELECT v.request_id, ${epochMs('r.created_at')} AS consumed_ms, ${epochMs('r.settled_at')} AS answered_ms,
              ${epochMs('v.issued_at')} AS issued_ms, ${epochMs('v.stored_at')} AS stored_ms
       FROM voucher_service.vouchers AS v
       LEFT JOIN voucher_integration_service.vps_requests AS r USING (request_id)
       WHERE v.request_id = ANY($1::uuid[])`,
      [sent.map((request) => request.requestId)],
    );
    const sentOf = new Map(sent.map((request) => [request.requestId, request]));
    const between = (from: (row: Row) => number | null, to: (row: Row) => number | null) =>
      rows.flatMap((row) => {
        const [start, end] = [from(row), to(row)];
        return start === null || end === null ? [] : [end - start];
      });
    const published = (row: Row) => sentOf.get(row.request_id)!.publishedAtMs;
    return {
      overheadMs: between(
        (row) => row.issued_ms,
        (row) => row.stored_ms,
      ),
      endToEndMs: between(
        (row) => sentOf.get(row.request_id)!.sentAtMs,
        (row) => row.stored_ms,
      ),
      hopMs: {
        published: between((row) => sentOf.get(row.request_id)!.sentAtMs, published),
        consumed: between(published, (row) => row.consumed_ms),
        answered: between(
          (row) => row.consumed_ms,
          (row) => row.answered_ms,
        ),
        outcomePublished: [],
        stored: between(
          (row) => row.issued_ms,
          (row) => row.stored_ms,
        ),
        delivered: [],
      },
      source: 'voucher_service.vouchers joined to voucher_integration_service.vps_requests (PostgreSQL), every request',
    };
  } finally {
    await client.end();
  }
}

export function storedTimes(sent: SentRequest[]): Promise<StoredTimes> {
  return fromDatabase(process.env.DATABASE_URL ?? '', sent);
}
