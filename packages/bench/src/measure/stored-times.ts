import pg from 'pg';
import { summarize, type LatencySummary } from './percentiles.ts';
import type { SentRequest } from './kafka-load.ts';
import type { Purchase } from './purchases.ts';

/** Why a hop has no figures: a few words for the chart, the reason for the table. */
export interface HopGap {
  note: string;
  why: string;
}

/** One hop of a breakdown: the time some process records at each end (`source`), or why the run cannot see it (`gap`). */
export interface HopDefinition {
  id: HopId;
  label: string;
  source?: string;
  gap?: HopGap;
}

/** The hops from the VPS call to the stored code: the same in both runs. */
const fromTheCall: readonly HopDefinition[] = [
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
];

/**
 * The paced runs' hops, in order: the bench produces request-code itself, so the gateway's two ends (accepted,
 * delivered) are not in them; the purchases' breakdown has those.
 */
export const pacedHops: readonly HopDefinition[] = [
  {
    id: 'published',
    label: "sent → published (the bench's producer)",
    source:
      "the bench's producer: sent → the broker's acks=all. It stands in for the gateway's accepted → published, which " +
      'this run cannot see: it produces request-code itself, so the gateway holds no row',
  },
  {
    id: 'consumed',
    label: 'published → consumed',
    source: 'voucher_integration_service.vps_requests.created_at (the call recorded before the VPS is asked)',
  },
  ...fromTheCall,
  {
    id: 'delivered',
    label: 'outcome published → delivered',
    gap: {
      note: 'not seen here: see the purchases',
      why:
        'not seen by this run, which bypasses the gateway (sending through POST /voucher would cap its bursts at the ' +
        "gateway's intake rate and add the gateway's work to the overhead the target measures); the purchases through " +
        'the gateway have it',
    },
  },
];

/** The hops of a purchase through the gateway with its page open, from the gateway's row to the code on the page. */
export const purchaseHops: readonly HopDefinition[] = [
  {
    id: 'published',
    label: 'accepted → published',
    source:
      'gateway.voucher_requests.created_at (the row, written before the record) → vps_requests.request_published_at (the ' +
      "request-code record's Kafka timestamp, set by the gateway's producer as it sends)",
  },
  {
    id: 'consumed',
    label: 'published → consumed',
    source: 'vps_requests.request_published_at → vps_requests.created_at (the call recorded before the VPS is asked)',
  },
  ...fromTheCall,
  {
    id: 'delivered',
    label: 'outcome published → delivered',
    source:
      'vps_requests.published_at → gateway.voucher_requests.told_at (the page took the code). Beside stored, not after ' +
      'it: the gateway and voucher-service each read receive-code on their own',
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
  /** stored_at − the time the request-code message was sent (a purchase: its POST to its code on the page), ms. */
  endToEndMs: number[];
  /** Each hop's duration per request that recorded both ends, ms (empty for a hop the run cannot see). */
  hopMs: Record<HopId, number[]>;
  source: string;
}

/** The breakdown table's rows: a hop with a source but no request that recorded both its ends says so. */
export function breakdownOf(hops: readonly HopDefinition[], times: StoredTimes): HopRow[] {
  return hops.map((hop): HopRow => {
    if (!hop.source) return { hop: hop.label, source: 'none', missing: hop.gap };
    const values = times.hopMs[hop.id];
    if (values.length > 0) return { hop: hop.label, source: hop.source, latency: summarize(values) };
    return { hop: hop.label, source: hop.source, missing: { note: 'no request recorded it', why: `no request recorded ${hop.source}` } };
  });
}

/** One request's times as epoch milliseconds, each null where its process recorded none. */
interface Row {
  request_id: string;
  accepted_ms: number | null;
  request_published_ms: number | null;
  consumed_ms: number | null;
  answered_ms: number | null;
  outcome_published_ms: number | null;
  issued_ms: number | null;
  stored_ms: number | null;
  delivered_ms: number | null;
}

const SOURCE =
  'gateway.voucher_requests, voucher_integration_service.vps_requests and voucher_service.vouchers (PostgreSQL), joined ' +
  'on request_id, every request';

/** Every request's times, straight from the three services' tables. */
async function rowsOf(requestIds: string[]): Promise<Row[]> {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL ?? '' });
  await client.connect();
  const epochMs = (column: string) => `extract(epoch FROM ${column})::float8 * 1000`;
  try {
    const { rows } = await client.query<Row>(
      `SELECT ids.request_id, ${epochMs('g.created_at')} AS accepted_ms, ${epochMs('r.request_published_at')} AS request_published_ms,
              ${epochMs('r.created_at')} AS consumed_ms, ${epochMs('r.settled_at')} AS answered_ms,
              ${epochMs('r.published_at')} AS outcome_published_ms, ${epochMs('v.issued_at')} AS issued_ms,
              ${epochMs('v.stored_at')} AS stored_ms, ${epochMs('g.told_at')} AS delivered_ms
       FROM unnest($1::uuid[]) AS ids(request_id)
       LEFT JOIN gateway.voucher_requests AS g USING (request_id)
       LEFT JOIN voucher_integration_service.vps_requests AS r USING (request_id)
       LEFT JOIN voucher_service.vouchers AS v USING (request_id)`,
      [requestIds],
    );
    return rows;
  } finally {
    await client.end();
  }
}

/** A time: a column of the row, or one the bench recorded itself for the row's request. */
type Time = Exclude<keyof Row, 'request_id'> | ((row: Row) => number | null);
const timeOf = (row: Row, time: Time) => (typeof time === 'function' ? time(row) : row[time]);

/** end − start per row, for the rows that recorded both. */
const between = (rows: Row[], from: Time, to: Time) =>
  rows.flatMap((row) => {
    const [start, end] = [timeOf(row, from), timeOf(row, to)];
    return start === null || end === null ? [] : [end - start];
  });

/** The paced runs' times: the bench produced each request-code record itself (sent, then acknowledged). */
export async function storedTimes(sent: SentRequest[]): Promise<StoredTimes> {
  const rows = await rowsOf(sent.map((request) => request.requestId));
  const sentOf = new Map(sent.map((request) => [request.requestId, request]));
  const sentAt: Time = (row) => sentOf.get(row.request_id)!.sentAtMs;
  const published: Time = (row) => sentOf.get(row.request_id)!.publishedAtMs;
  return {
    overheadMs: between(rows, 'issued_ms', 'stored_ms'),
    endToEndMs: between(rows, sentAt, 'stored_ms'),
    hopMs: { ...callHops(rows), published: between(rows, sentAt, published), consumed: between(rows, published, 'consumed_ms') },
    source: SOURCE,
  };
}

/** The purchases' times: every hop from the gateway's row to the code on the page; end to end is what the bench saw. */
export async function purchaseTimes(purchases: Purchase[]): Promise<StoredTimes> {
  const rows = await rowsOf(purchases.map((purchase) => purchase.requestId));
  return {
    overheadMs: between(rows, 'issued_ms', 'stored_ms'),
    endToEndMs: purchases.map((purchase) => purchase.shownAtMs - purchase.postedAtMs),
    hopMs: {
      ...callHops(rows),
      published: between(rows, 'accepted_ms', 'request_published_ms'),
      consumed: between(rows, 'request_published_ms', 'consumed_ms'),
    },
    source: SOURCE,
  };
}

/** The hops both runs record alike, and the delivery (which only a purchase through the gateway has). */
function callHops(rows: Row[]): Omit<StoredTimes['hopMs'], 'published' | 'consumed'> {
  return {
    answered: between(rows, 'consumed_ms', 'answered_ms'),
    outcomePublished: between(rows, 'answered_ms', 'outcome_published_ms'),
    stored: between(rows, 'outcome_published_ms', 'stored_ms'),
    delivered: between(rows, 'outcome_published_ms', 'delivered_ms'),
  };
}
