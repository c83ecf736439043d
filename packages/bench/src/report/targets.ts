import type { BenchReport, ScenarioId } from './bench-report.ts';

export interface TargetRow {
  id: ScenarioId;
  measured: string;
  target: string;
  /** undefined when the scenario did not run. */
  met: boolean | undefined;
  /** What limits the figure and what would lift it; said only when the target is missed. */
  limit?: string;
}

const n = (value: number) => Math.round(value).toLocaleString('en-US');

/** Each issue-5 target, judged from the JSON alone (no figure is typed by hand). */
export function evaluateTargets(report: BenchReport): TargetRow[] {
  const { intake, pipeline, slowProvider, query, sse } = report.scenarios;
  const rows: TargetRow[] = [
    {
      id: 'intake',
      target: '≥ 0.4× the bare Fastify baseline',
      measured: intake ? `${n(intake.rps)} req/s (p99 ${intake.p99Ms} ms) vs ${n(intake.baselineRps)} req/s = ${intake.ratio}×` : '',
      met: intake && intake.ratio >= 0.4,
      limit:
        'each 202 waits for an acks=all produce and the accepted request is processed by the rest of the stack on the same two ' +
        'cores; more gateway replicas (one per core) and producer batching (linger) would lift it',
    },
    {
      id: 'pipeline',
      target: '≥ 2,000 codes stored/s; p99 overhead ≤ 50 ms',
      measured: pipeline
        ? `${n(pipeline.vouchersPerSec)}/s; p99 overhead ${pipeline.p99OverheadMs} ms at ${n(pipeline.pacedRatePerSec)}/s`
        : '',
      met: pipeline && pipeline.vouchersPerSec >= 2000 && pipeline.p99OverheadMs <= 50,
      limit:
        'five processes, the broker and the database share two cores; one row per INSERT with a commit each in voucher-service and ' +
        'per-message produce in the integration service; batching inserts per fetched batch and more partitions/replicas would lift it',
    },
    {
      id: 'slowProvider',
      target: '≥ 1,000 completed/s at 3,000 ms VPS latency',
      measured: slowProvider ? `${n(slowProvider.rps)}/s, ${n(slowProvider.maxInFlight)} calls in flight at most` : '',
      met: slowProvider && slowProvider.rps >= 1000,
      limit:
        'throughput is at most CONSUMER_CONCURRENCY ÷ latency and VPS_MAX_CONNECTIONS caps the calls in flight; raising both ' +
        '(and the fd limit) or adding replicas lifts it',
    },
    {
      id: 'query',
      target: 'p99 ≤ 5 ms with 1,000,000 rows',
      measured: query ? `p50 ${query.p50Ms} ms, p99 ${query.p99Ms} ms over ${n(query.rows)} rows (${query.endpoint})` : '',
      met: query && query.rows >= 1_000_000 && query.p99Ms <= 5,
      limit:
        'compare with the /healthz baseline: the HTTP path itself costs most of it on a loaded 2-core machine; fewer connections or a second replica lift it',
    },
    {
      id: 'sse',
      target: '10,000 streams in ≤ 512 MB',
      measured: sse
        ? `${n(sse.connections)} streams, RSS ${sse.rssMB} MB (idle ${sse.idleRssMB} MB, ${sse.perStreamKB} KB per stream)`
        : '',
      met: sse && sse.connections >= 10_000 && sse.rssMB <= 512,
      limit:
        'per-stream memory (socket buffers, Fastify request/reply objects) or the fd limit; a lighter stream object or more replicas lift it',
    },
  ];
  return rows.map((row) => ({
    ...row,
    measured: row.measured || `did not run: ${report.failures[row.id] ?? 'not selected'}`,
    limit: row.met === false ? row.limit : undefined,
  }));
}
