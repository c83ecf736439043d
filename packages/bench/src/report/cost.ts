import type { BenchReport } from './bench-report.ts';

/** Machines the projection is stated for: cores of the gateway and bank services, with brokers and database elsewhere. */
export const projectedCores = [4, 8, 16, 32] as const;

export interface PerCore {
  acceptedPerSec?: number;
  codesPerSec?: number;
  openStreams?: number;
}

const n = (value: number) => Math.round(value).toLocaleString('en-US');

/**
 * What one core bought in this run: each measured figure over the cores the run had. Everything (load generator,
 * broker, database, every service) shared those cores, so it understates what a core given to one service does.
 */
export function perCore(report: BenchReport): PerCore {
  const cores = report.machine.cpus;
  const { intake, pipeline, sse } = report.scenarios;
  return {
    acceptedPerSec: intake && intake.rps / cores,
    codesPerSec: pipeline && pipeline.vouchersPerSec / cores,
    openStreams: sse && sse.connections / cores,
  };
}

/** The Markdown section that ends BENCHMARKS.md: per-core figures, then a projection, said to be one. */
export function renderCost(report: BenchReport): string[] {
  const core = perCore(report);
  const cell = (value: number | undefined, cores = 1) => (value === undefined ? 'not measured' : n(value * cores));
  return [
    '## Cost',
    '',
    `What one core bought in this run: each figure above over the ${report.machine.cpus} cores the run had. The load generator, ` +
      'the broker, PostgreSQL and every service shared those cores, so these are lower bounds for a core given to one service.',
    '',
    '| per core | figure |',
    '|---|---|',
    `| accepted requests/s (\`intake\`, consumers stopped) | ${cell(core.acceptedPerSec)} |`,
    `| codes stored/s (\`pipeline\`, sustained) | ${cell(core.codesPerSec)} |`,
    `| open event streams (\`sse\`; memory, not CPU, bounds these: ${report.scenarios.sse ? `${report.scenarios.sse.perStreamKB} KB each` : 'not measured'}) | ${cell(core.openStreams)} |`,
    '',
    '**Projection, not a measurement**: machines of N cores for the bank services, with the brokers and the database on ' +
      'machines of their own, scaled linearly from the per-core figures (replicas share nothing but the broker and the ' +
      "database, so the gateway's and the pipeline's work spreads over cores; the brokers and the database must then keep up, " +
      'which this run does not show).',
    '',
    '| cores | accepted requests/s | codes stored/s | open streams |',
    '|---|---|---|---|',
    ...projectedCores.map(
      (cores) => `| ${cores} | ${cell(core.acceptedPerSec, cores)} | ${cell(core.codesPerSec, cores)} | ${cell(core.openStreams, cores)} |`,
    ),
    '',
    core.acceptedPerSec
      ? `A bank's peak of P purchases per second then needs about P ÷ ${n(core.acceptedPerSec)} cores of gateway, ` +
        `and its codes about P ÷ ${core.codesPerSec ? n(core.codesPerSec) : '(pipeline not measured)'} cores of the pipeline.`
      : "A bank's peak cannot be projected from this run: `intake` did not run.",
    '',
  ];
}
