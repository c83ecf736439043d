import pg from 'pg';
import { summarize, type LatencySummary } from './percentiles.ts';
import type { SentRequest } from './kafka-load.ts';

/** Why a hop has no figures: a few words for the chart, the reason for the table. */
export interface HopGap {
  note: string;
  why: string;
}

/**
 * The pipeline's hops, in order, each from a time some process records (`source`), or, where the pipeline scenario
 * cannot see that time, why not (`gap`): the breakdown says so rather than inventing a time.
 */
export const hops: readonly { id: HopId; label: string; source?: string; gap?: HopGap }[] = [
  {
    id: 'published',
    label: "sent → published (the bench's producer)",
    source:
      "the bench's producer: sent → the broker's acks=all. It stands in for the gateway's accepted → published, which " +
      'this scenario cannot see: it produces request-code itself, so the gateway holds no row',
  },
  {
    id: 'consumed',
    label: 'published → consumed',
    source: 'voucher_integration_service.vps_requests.created_at (the call recorded before the VPS is asked)',
  },
  {
    id: 'answered',
    label: 'consumed → VPS answered',
    source:
      'vps_requests.settled_at, the issued_at the outcome carries (the VPS at 0 ms answers at once; an acknowledged call ' +
      'would settle at its callback)',
  },
  {
    id: 'outcomePublished',
    label: 'VPS answered → outcome published',
    source:
      "vps_requests.published_at: when the integration service's relay began the produce the broker acknowledged (the " +
      'commit of the outcome, then its records published right after it), written with the DELETE after the ack',
  },
  {
    id: 'stored',
    label: 'outcome published → stored',
    source:
      'voucher_service.vouchers.stored_at − vps_requests.published_at (this hop and the one before make the overhead, ' +
      'stored_at − issued_at); it includes the produce itself (acks=all)',
  },
  {
    id: 'delivered',
    label: 'stored → delivered',
    gap: {
      note: 'not seen here: the gateway is bypassed',
      why:
        'not seen by this scenario: the gateway records it (voucher_requests.told_at, when the page or the SMS told the ' +
        'customer), but this scenario produces request-code itself, so the gateway holds no row. Sending through POST /voucher ' +
        "instead would cap the bursts at the gateway's intake rate and add the gateway's work and the page hand-off to the " +
        "pipeline's overhead at half its sustained rate, which is what the target measures",
    },
  },
];

export type HopId = 'published' | 'consumed' | 'answered' | 'outcomePublished' | 'stored' | 'delivered';

/** One hop of the breakdown: its percentiles, or why it has none. */
export interface HopRow {
  hop: string;
  source: string;
  latency?: LatencySummary;
  missing?: HopGap;
}

export interface StoredTimes {
  /** stored_at − issued_at per request (the pipeline's overhead after the VPS answered), ms. */
  overheadMs: number[];
  /** stored_at − the time the request-code message was sent, ms. */
  endToEndMs: number[];
  /** Each hop's duration per request that recorded both ends, ms (empty for a hop this scenario cannot see). */
  hopMs: Record<HopId, number[]>;
  source: string;
}

/** The breakdown table's rows: a hop with a source but no request that recorded both its ends says so. */
export function breakdownOf(times: StoredTimes): HopRow[] {
  return hops.map((hop): HopRow => {
    if (!hop.source) return { hop: hop.label, source: 'none', missing: hop.gap };
    const values = times.hopMs[hop.id];
    if (values.length > 0) return { hop: hop.label, source: hop.source, latency: summarize(values) };
    return { hop: hop.label, source: hop.source, missing: { note: 'no request recorded it', why: `no request recorded ${hop.source}` } };
  });
}

interface Row {
  request_id: string;
  consumed_ms: number | null;
  answered_ms: number | null;
  outcome_published_ms: number | null;
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
              ${epochMs('r.published_at')} AS outcome_published_ms, ${epochMs('v.issued_at')} AS issued_ms,
              ${epochMs('v.stored_at')} AS stored_ms
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
    const sentAt = (row: Row) => sentOf.get(row.request_id)!.sentAtMs;
    const published = (row: Row) => sentOf.get(row.request_id)!.publishedAtMs;
    const consumed = (row: Row) => row.consumed_ms;
    const answered = (row: Row) => row.answered_ms;
    const outcomePublished = (row: Row) => row.outcome_published_ms;
    const issued = (row: Row) => row.issued_ms;
    const stored = (row: Row) => row.stored_ms;
    return {
      overheadMs: between(issued, stored),
      endToEndMs: between(sentAt, stored),
      hopMs: {
        published: between(sentAt, published),
        consumed: between(published, consumed),
        answered: between(consumed, answered),
        outcomePublished: between(answered, outcomePublished),
        stored: between(outcomePublished, stored),
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
