import assert from 'node:assert/strict';
import { test } from 'node:test';
import { percentile, summarize } from '../src/measure/percentiles.ts';
import { metricSum } from '../src/measure/probes.ts';
import type { BenchReport } from '../src/report/bench-report.ts';
import { renderMarkdown } from '../src/report/markdown.ts';
import { renderLatencyChart } from '../src/report/svg-chart.ts';
import { renderTable } from '../src/report/table.ts';
import { evaluateTargets } from '../src/report/targets.ts';
import { steady, spreadPercent } from '../src/measure/steady.ts';
import { breakdownOf, pacedHops, purchaseHops, type StoredTimes } from '../src/measure/stored-times.ts';
import { perCore } from '../src/report/cost.ts';
import { sustainedRate, type PipelineResult } from '../src/scenarios/pipeline.ts';
import type { IntakeResult } from '../src/scenarios/intake.ts';
import { benchSettings } from '../src/settings.ts';

test('percentiles use the nearest rank', () => {
  const values = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(values, 50), 50);
  assert.equal(percentile(values, 99), 99);
  assert.equal(percentile(values, 100), 100);
  assert.equal(percentile([7], 99), 7);
  assert.ok(Number.isNaN(percentile([], 50)));
  assert.deepEqual(summarize([3, 1, 2]), { count: 3, p50Ms: 2, p90Ms: 3, p99Ms: 3, maxMs: 3 });
});

test('a Prometheus series is summed over its label sets and not confused with a longer name', () => {
  const text = [
    '# HELP x',
    'stored_total{status="SUCCESS"} 5',
    'stored_total{status="FAILED"} 2',
    'stored_total_extra 100',
    'stored_total 1',
  ].join('\n');
  assert.equal(metricSum(text, 'stored_total'), 8);
});

test('the sustained rate is the slope between 10% and 90% stored', () => {
  const samples = [0, 0, 100, 500, 900, 1000].map((value, i) => ({ atMs: i * 1000, value }));
  assert.equal(sustainedRate(samples, 0, 1000), 400);
});

const report: BenchReport = {
  generatedAt: '2026-01-01T00:00:00.000Z',
  command: 'npm run bench -- --quick',
  machine: { cpus: 2, cpuModel: 'test cpu', memoryGB: 4, platform: 'linux', fdLimit: '20000' },
  versions: {
    node: '24',
    kafka: 'local',
    database: 'PostgreSQL 18.4 (database voucher_bench, the project’s local server, DATABASE_URL unset)',
  },
  settings: benchSettings(true),
  scenarios: {
    query: {
      rows: 1_000_000,
      p50Ms: 1.5,
      p99Ms: 9,
      rps: 100,
      ownCodes: 50,
      endpoint: 'voucher-service GET /api/vouchers',
      healthz: [{ rps: 1, p50Ms: 1, p90Ms: 1, p99Ms: 2, total: 1, non2xx: 0, errors: 0 }],
      method: 'autocannon',
      baseline: 'healthz',
      steadiness: { 'query p99': { ...steady([9, 8, 12]), unit: 'ms' } },
      latencies: { 'query listing': { p50Ms: 1.5, p90Ms: 3, p99Ms: 9 } },
      cpuPerListing: { gatewayUs: 310, voucherServiceUs: 270, machineUs: 1_020 },
    },
  },
  failures: { sse: 'boom' },
  durationSec: 10,
};

test('the report judges targets from the figures and says which were missed and why', () => {
  const table = renderTable(report);
  assert.match(table, /query .*p99 9 ms.*1,020 µs of machine CPU per listing.*MISSED/);
  assert.match(table, /sse .*did not run: boom/);
  const markdown = renderMarkdown(report, { json: 'bench-results/latest.json', svg: 'bench-results/latest.svg' });
  assert.match(markdown, /npm run bench -- --quick/);
  assert.match(markdown, /\| `query` \|.*\*\*missed\*\*/);
  assert.match(markdown, /## Missed targets\n\n- `query`:/);
});

test('a run on the other database is shown beside this one, each figure from its own JSON', () => {
  const external: BenchReport = {
    ...report,
    versions: { ...report.versions, database: 'PostgreSQL 15.20 (database voucher_bench, DATABASE_URL)' },
    scenarios: { query: { ...report.scenarios.query!, p99Ms: 4 } },
  };
  const paths = { json: 'bench-results/latest.json', svg: 'bench-results/latest.svg', other: 'bench-results/external.json' };
  const markdown = renderMarkdown(report, paths, external);
  assert.match(markdown, /## Beside another run/);
  assert.match(markdown, /\| scenario \| PostgreSQL 18\.4 .*\| PostgreSQL 15\.20 .*\|/);
  assert.match(markdown, /\| `query` \| .*p99 9 ms.* \| .*p99 4 ms.* \|/);
  assert.doesNotMatch(markdown, /The larger topology/, 'same topology: nothing to say about it');
});

test('a run in another topology is shown beside this one, with what the two say on one machine', () => {
  const cluster: BenchReport = {
    ...report,
    command: 'npm run bench -- --quick --brokers 3 --replicas 2',
    settings: { ...report.settings, brokers: 3, replicas: 2 },
    scenarios: { query: { ...report.scenarios.query!, rps: 50 } },
  };
  const paths = { json: 'bench-results/latest.json', svg: 'bench-results/latest.svg', other: 'bench-results/topology.json' };
  const markdown = renderMarkdown(report, paths, cluster);
  assert.match(
    markdown,
    /\| scenario \| .*1 Kafka node\(s\), 1 process\(es\) per bank service \| .*3 Kafka node\(s\), 2 process\(es\) per bank service \|/,
  );
  assert.match(markdown, /The larger topology \(3 Kafka nodes, 2 processes per bank service\) reached 0\.50× the smaller's listing rate\./);
});

test('the chart is standalone SVG with one bar per percentile per series', () => {
  const svg = renderLatencyChart(report);
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.equal((svg.match(/height="8" fill=/g) ?? []).length, 3);
  assert.match(svg, /query listing/);
});

test('a repeated figure is the median of its runs, with min, max and how far apart they were', () => {
  assert.deepEqual(steady([30, 10, 20]), { median: 20, min: 10, max: 30, values: [30, 10, 20] });
  assert.equal(steady([1, 2, 3, 10]).median, 2.5);
  assert.equal(spreadPercent(steady([90, 100, 110])), 20);
});

const figure = (median: number) => steady([median - 10, median, median + 10]);
const intake: IntakeResult = {
  rps: 4000,
  p99Ms: 30,
  withPipelineRps: 1500,
  withPipelineP99Ms: 80,
  baselineRps: 10000,
  baselineP99Ms: 8,
  ratio: 0.4,
  limitRps: 4500,
  limitRatio: 0.889,
  limitBy: 'insert',
  limits: {
    bare: { rps: figure(10000), p99Ms: figure(8) },
    produce: { rps: figure(6000), p99Ms: figure(20) },
    insert: { rps: figure(4500), p99Ms: figure(25) },
  },
  insertThenProduce: { rps: figure(5000), p99Ms: figure(28), cpu: { serverUs: figure(60), machineUs: figure(150) } },
  produceThenRow: { rps: figure(3600), p99Ms: figure(26), catchUpMs: figure(40) },
  gateway: {
    rps: figure(4000),
    p99Ms: figure(30),
    cpu: { serverUs: figure(120), machineUs: figure(260) },
    writes: { walBytes: figure(310), transactions: figure(0.05) },
  },
  keyed: { rps: figure(3000), p99Ms: figure(40) },
  method: 'autocannon',
  baseline: 'limits',
  steadiness: { 'intake gateway rps': { ...figure(4000), unit: 'req/s' } },
  latencies: { 'intake gateway': { p50Ms: 10, p90Ms: 20, p99Ms: 30 } },
};
// Every hop has its own times (1..10 ms, then a 40 ms tail); the paced runs cannot see the gateway's delivery.
const hopTimes = [1, 2, 3, 4, 5, 6, 7, 8, 9, 40];
const times: StoredTimes = {
  overheadMs: [],
  endToEndMs: [],
  hopMs: Object.fromEntries(purchaseHops.map((hop) => [hop.id, hopTimes])) as StoredTimes['hopMs'],
  source: 'the tables',
};
const pipeline: PipelineResult = {
  vouchersPerSec: 2400,
  p99OverheadMs: 60,
  p50OverheadMs: 9,
  pacedRatePerSec: 1200,
  bursts: [],
  paced: [],
  breakdown: breakdownOf(pacedHops, times),
  purchases: {
    ratePerSec: 200,
    startedPerSec: 199,
    bought: 2000,
    shown: 1998,
    notShown: { 'POST 503': 2 },
    breakdown: breakdownOf(purchaseHops, times),
    endToEnd: summarize([20, 30, 90]),
    cpuPerPurchase: { gatewayUs: 900, integrationUs: 500, voucherServiceUs: 300, machineUs: 4000 },
  },
  source: 'the tables',
  method: 'kafka',
  baseline: 'none',
  steadiness: { 'pipeline p99 overhead': { ...steady([55, 60, 70]), unit: 'ms' } },
  latencies: {},
};
const measured: BenchReport = { ...report, scenarios: { intake, pipeline }, failures: {} };

test("the limit's table shows the acceptor alone, the broker as the record (with its catch-up) and the keyed gateway beside the limit, with CPU and database writes per request where measured", () => {
  const markdown = renderMarkdown(measured, { json: 'x.json', svg: 'x.svg' });
  assert.match(
    markdown,
    /\| route \+ INSERT, then produce: the gateway's acceptor alone \(not part of the limit\) \| 5000 \(4990–5010\) \| 28 \| 0\.8× \| 60 \| 150 \| n\/a \| n\/a \|/,
  );
  assert.match(
    markdown,
    /\| route \+ produce, the row written by a consumer: the broker as the record \(not part of the limit; its rows written 40 \(30–50\) ms after the load, counted in its rate\) \| 3600 \(3590–3610\) \| 26 \| 1\.111× \|/,
  );
  assert.match(markdown, /\| gateway \(the seed’s POST, no key\) \| 4000 \(3990–4010\) \| 30 \| – \| 120 \| 260 \| 310 \| 0\.05 \|/);
  assert.match(
    markdown,
    /\| gateway, a fresh Idempotency-Key on each request \(as the web page sends\) \| 3000 \(2990–3010\) \| 40 \| – \| n\/a \| n\/a \| n\/a \| n\/a \|/,
  );
  assert.match(
    markdown,
    /\| route \+ INSERT \(batched as the gateway\) \| 4500 \(4490–4510\) \| 25 \| 0\.889× \| n\/a \| n\/a \| n\/a \| n\/a \|/,
  );
});

test('a missed intake target says, with the run’s figures, how far the acceptor alone and the broker as the record reached and what the gateway adds', () => {
  const below = { ...measured, scenarios: { ...measured.scenarios, intake: { ...intake, limitRatio: 0.7 } } };
  const row = evaluateTargets(below).find((target) => target.id === 'intake')!;
  assert.equal(row.met, false);
  assert.match(row.limit!, /acceptor alone .* reached 1\.11× the limit, and the gateway 0\.8× its acceptor/);
  assert.match(row.limit!, /own process spent 120 µs of CPU per request against its acceptor's 60 µs/);
  assert.match(row.limit!, /the broker as the record \(202 after the produce alone, .*\) reached 0\.8×/);
});

test("intake is judged against the bare route and the architecture's limit, both printed", () => {
  assert.match(renderTable(measured), /intake .*= 0\.4× the bare route .*0\.889× the limit \(4,500 req\/s, route \+ INSERT\).*\| met/);
  const below = { ...measured, scenarios: { ...measured.scenarios, intake: { ...intake, limitRatio: 0.7 } } };
  assert.match(renderTable(below), /intake .*0\.7× the limit.*MISSED/);
  const markdown = renderMarkdown(measured, { json: 'x.json', svg: 'x.svg' });
  assert.match(markdown, /\| route \+ INSERT \(batched as the gateway\) \| 4500 \(4490–4510\) \| 25 \| 0\.889× \|/);
});

test('the markdown says how far apart the runs were, where the pipeline time goes (every hop, and which one the paced runs cannot see), and ends with the cost', () => {
  const markdown = renderMarkdown(measured, { json: 'x.json', svg: 'x.svg' });
  assert.match(markdown, /\| pipeline p99 overhead \| 60 ms \| 55 \| 70 \| 25 % \| 55, 60, 70 \|/);
  const [paced, purchases] = markdown.slice(markdown.indexOf("## Where the pipeline's time goes")).split('Purchases through the gateway');
  assert.match(paced!, /\| published → consumed \| 10 \| 5 \| 40 \| voucher_integration_service\.vps_requests\.created_at/);
  assert.match(paced!, /\| VPS answered → outcome published \| 10 \| 5 \| 40 \| vps_requests\.published_at/);
  assert.match(
    paced!,
    /\| outcome published → stored \| 10 \| 5 \| 40 \| voucher_service\.vouchers\.stored_at − vps_requests\.published_at/,
  );
  assert.match(
    paced!,
    /\| sent → published \(the bench's producer\) \| 10 \| 5 \| 40 \| .*stands in for the gateway's accepted → published/,
  );
  assert.match(
    paced!,
    /\| outcome published → delivered \| 0 \| – \| – \| not seen by this run, .*the purchases through the gateway have it/,
  );
  assert.match(
    purchases!,
    /2000 at 200\/s \(started at 199\/s\), 1998 of them shown on their page \(the others: 2 POST 503\); POST to code on the page p50 30 ms, p99 90 ms/,
  );
  assert.match(purchases!, /CPU per purchase 900 µs in the gateway, .* 4000 µs over the machine/);
  assert.match(purchases!, /\| accepted → published \| 10 \| 5 \| 40 \| gateway\.voucher_requests\.created_at/);
  assert.match(purchases!, /\| outcome published → delivered \| 10 \| 5 \| 40 \| .*voucher_requests\.told_at/);
  assert.equal((markdown.match(/\| – \| – \|/g) ?? []).length, 1, 'only the paced delivery has no figures');
  const cost = markdown.slice(markdown.indexOf('## Cost'));
  assert.ok(markdown.indexOf('## Cost') > markdown.indexOf('## How each figure was measured'));
  assert.match(cost, /\| accepted requests\/s .*\| 2,000 \|/); // 4,000 req/s over the report's 2 cores
  assert.match(cost, /Projection, not a measurement/);
  assert.match(cost, /\| 8 \| 16,000 \| 9,600 \| not measured \|/);
  assert.deepEqual(perCore(measured), { acceptedPerSec: 2000, codesPerSec: 1200, openStreams: undefined });
});

test('the chart shows the same hops as the tables: bars where they have times, and why the one the paced runs cannot see has none', () => {
  const svg = renderLatencyChart(measured);
  for (const row of pipeline.breakdown) assert.ok(svg.includes(`pipeline hop: ${row.hop}`), row.hop);
  for (const row of pipeline.purchases.breakdown) assert.ok(svg.includes(`purchase hop: ${row.hop}`), row.hop);
  assert.match(svg, /pipeline hop: VPS answered → outcome published<\/text>\n(<rect [^\n]*\n<text [^\n]*>\d+<\/text>\n){3}/);
  assert.match(svg, /purchase hop: outcome published → delivered<\/text>\n(<rect [^\n]*\n<text [^\n]*>\d+<\/text>\n){3}/);
  assert.equal((svg.match(/not seen here: see the purchases/g) ?? []).length, 1);
  assert.doesNotMatch(svg, /no recorded time|NaN/);
});

test('a hop with a recorded time that no request reached says so, rather than showing empty percentiles', () => {
  const rows = breakdownOf(pacedHops, { ...times, hopMs: { ...times.hopMs, outcomePublished: [] } });
  const row = rows.find((candidate) => candidate.hop === 'VPS answered → outcome published')!;
  assert.equal(row.latency, undefined);
  assert.match(row.missing!.why, /^no request recorded vps_requests\.published_at/);
});
