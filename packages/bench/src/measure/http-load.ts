import autocannon, { type AutocannonRequest } from 'autocannon';

export interface HttpLoad {
  url: string;
  method?: 'GET' | 'POST';
  body?: unknown;
  connections: number;
  durationSec: number;
  /** A fresh Idempotency-Key on every request, as the web page sends one with each purchase. */
  idempotencyKeys?: boolean;
}

export interface HttpLoadResult {
  rps: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  total: number;
  non2xx: number;
  errors: number;
}

let keySequence = 0;
/** Gives each request a key of its own (unique across runs, so that no run replays an earlier one's requests). */
const withFreshKey = (request: AutocannonRequest): AutocannonRequest => ({
  ...request,
  headers: { ...request.headers, 'idempotency-key': `bench-${process.pid}-${++keySequence}` },
});

/** Drives one URL with autocannon for a fixed time and keeps the figures the report needs. */
export async function runHttpLoad(load: HttpLoad): Promise<HttpLoadResult> {
  const result = await autocannon({
    ...(load.idempotencyKeys ? { requests: [{ setupRequest: withFreshKey }] } : {}),
    url: load.url,
    method: load.method ?? 'GET',
    headers: load.body === undefined ? {} : { 'content-type': 'application/json' },
    body: load.body === undefined ? undefined : JSON.stringify(load.body),
    connections: load.connections,
    duration: load.durationSec,
    timeout: 10,
  });
  const ok = result.requests.total - result.non2xx;
  return {
    // Only 2xx answers count as served: a fast 429 or 503 is not throughput.
    rps: Math.round(ok / result.duration),
    p50Ms: result.latency.p50,
    p90Ms: result.latency.p90,
    p99Ms: result.latency.p99,
    total: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}
