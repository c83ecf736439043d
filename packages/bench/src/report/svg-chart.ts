import type { HopRow } from '../measure/stored-times.ts';
import type { ScenarioLatencies } from '../scenarios/scenario.ts';
import type { BenchReport } from './bench-report.ts';

const percentiles = [
  { key: 'p50Ms', label: 'p50', colour: '#4e79a7' },
  { key: 'p90Ms', label: 'p90', colour: '#f28e2b' },
  { key: 'p99Ms', label: 'p99', colour: '#e15759' },
] as const;

const LABEL_WIDTH = 330;
const PLOT_WIDTH = 460;
const BAR_HEIGHT = 9;
const GROUP_GAP = 12;
const TOP = 40;

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A series' percentiles, or (a pipeline hop without figures) the few words the breakdown gives for why. */
type Series = [label: string, values: ScenarioLatencies[string] | undefined, gap?: string];

/** A breakdown's hops as series, each label starting with `prefix`. */
const hopSeries = (prefix: string, rows: HopRow[]) => rows.map((row): Series => [`${prefix}: ${row.hop}`, row.latency, row.missing?.note]);

/** Every latency series of every scenario that ran, in report order, then the pipeline's hops, as in the breakdown tables. */
export function latencySeries(report: BenchReport): Series[] {
  const scenarios = Object.values(report.scenarios).flatMap((result) => ('latencies' in result ? Object.entries(result.latencies) : []));
  const pipeline = report.scenarios.pipeline;
  if (!pipeline) return scenarios;
  return [...scenarios, ...hopSeries('pipeline hop', pipeline.breakdown), ...hopSeries('purchase hop', pipeline.purchases.breakdown)];
}

/** Log scale from 0.1 ms, so a 1 ms query and a 100 ms intake are both readable on one axis. */
function scale(maxMs: number) {
  const decades = Math.max(1, Math.ceil(Math.log10(Math.max(maxMs, 1)) + 1));
  const x = (ms: number) => (Math.max(0, Math.log10(Math.max(ms, 0.1)) + 1) / decades) * PLOT_WIDTH;
  const ticks = Array.from({ length: decades + 1 }, (_, i) => 10 ** (i - 1));
  return { x, ticks };
}

/** A horizontal grouped bar chart of p50/p90/p99 per series, hand-written SVG. */
export function renderLatencyChart(report: BenchReport): string {
  const series = latencySeries(report);
  const { x, ticks } = scale(Math.max(...series.flatMap(([, s]) => (s ? [s.p50Ms, s.p90Ms, s.p99Ms] : [])), 1));
  const groupHeight = percentiles.length * BAR_HEIGHT + GROUP_GAP;
  const height = TOP + series.length * groupHeight + 40;
  const width = LABEL_WIDTH + PLOT_WIDTH + 80;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="18" font-size="14" font-weight="bold">Latency percentiles (ms, log scale) — ${escape(report.generatedAt)}</text>`,
  ];
  for (const tick of ticks) {
    const tx = LABEL_WIDTH + x(tick);
    parts.push(`<line x1="${tx}" y1="${TOP - 6}" x2="${tx}" y2="${height - 30}" stroke="#ddd"/>`);
    parts.push(`<text x="${tx}" y="${height - 16}" text-anchor="middle">${tick}</text>`);
  }
  series.forEach(([label, values, gap], index) => {
    const y = TOP + index * groupHeight;
    parts.push(`<text x="${LABEL_WIDTH - 8}" y="${y + BAR_HEIGHT * 2}" text-anchor="end">${escape(label)}</text>`);
    if (!values) {
      parts.push(`<text x="${LABEL_WIDTH + 4}" y="${y + BAR_HEIGHT * 2}" fill="#888">${escape(gap ?? 'no recorded time')}</text>`);
      return;
    }
    percentiles.forEach((p, row) => {
      const value = values[p.key];
      const barY = y + row * BAR_HEIGHT;
      parts.push(`<rect x="${LABEL_WIDTH}" y="${barY}" width="${x(value).toFixed(1)}" height="${BAR_HEIGHT - 1}" fill="${p.colour}"/>`);
      parts.push(`<text x="${LABEL_WIDTH + x(value) + 4}" y="${barY + BAR_HEIGHT - 1}" font-size="9">${value}</text>`);
    });
  });
  percentiles.forEach((p, i) => {
    parts.push(`<rect x="${LABEL_WIDTH + i * 60}" y="24" width="10" height="10" fill="${p.colour}"/>`);
    parts.push(`<text x="${LABEL_WIDTH + i * 60 + 14}" y="33">${p.label}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
