import assert from 'node:assert/strict';
import { test } from 'node:test';
import { percentile, summarize } from '../src/measure/percentiles.ts';
import { metricSum } from '../src/measure/probes.ts';
import type { BenchReport } from '../src/report/bench-report.ts';
import { renderMarkdown } from '../src/report/markdown.ts';
import { renderLatencyChart } from '../src/report/svg-chart.ts';
import { renderTable } from '../src/report/table.ts';
import { sustainedRate } from '../src/scenarios/pipeline.ts';
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
      healthz: { rps: 1, p50Ms: 1, p90Ms: 1, p99Ms: 2, total: 1, non2xx: 0, errors: 0 },
      method: 'autocannon',
      baseline: 'healthz',
      latencies: { 'query listing': { p50Ms: 1.5, p90Ms: 3, p99Ms: 9 } },
    },
  },
  failures: { sse: 'boom' },
  durationSec: 10,
};

test('the report judges targets from the figures and says which were missed and why', () => {
  const table = renderTable(report);
  assert.match(table, /query .*p99 9 ms.*MISSED/);
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
  assert.match(markdown, /## On the other database/);
  assert.match(markdown, /\| scenario \| PostgreSQL 18\.4 .*\| PostgreSQL 15\.20 .*\|/);
  assert.match(markdown, /\| `query` \| .*p99 9 ms.* \| .*p99 4 ms.* \|/);
});

test('the chart is standalone SVG with one bar per percentile per series', () => {
  const svg = renderLatencyChart(report);
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.equal((svg.match(/height="8" fill=/g) ?? []).length, 3);
  assert.match(svg, /query listing/);
});
