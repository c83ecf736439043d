import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureBroker, ensureDatabase, repositoryRoot } from '@voucher/launcher';
import { checkpoint } from './checkpoint.ts';
import { describeEnvironment } from './environment.ts';
import type { BenchReport, ScenarioId, ScenarioResults } from './report/bench-report.ts';
import { renderTable } from './report/table.ts';
import { writeOutputs } from './report/write-outputs.ts';
import { runIntake } from './scenarios/intake.ts';
import { runPipeline } from './scenarios/pipeline.ts';
import { runQuery } from './scenarios/query.ts';
import type { Scenario } from './scenarios/scenario.ts';
import { runSlowProvider } from './scenarios/slow-provider.ts';
import { runSse } from './scenarios/sse.ts';
import { benchSettings } from './settings.ts';

/**
 * `npm run bench -- [--quick] [--out FILE] [--only intake,query] [--markdown FILE] [--compare OTHER.json]
 * [--brokers N] [--replicas N] [--cpu-prof DIR]`.
 */
const scenarios: { [K in ScenarioId]: Scenario<ScenarioResults[K]> } = {
  intake: runIntake,
  pipeline: runPipeline,
  slowProvider: runSlowProvider,
  query: runQuery,
  sse: runSse,
};

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    out: { type: 'string', default: 'bench-results/latest.json' },
    only: { type: 'string' },
    markdown: { type: 'string', default: resolve(repositoryRoot, 'BENCHMARKS.md') },
    /** A JSON of a run on the other database, shown beside this one in the Markdown. */
    compare: { type: 'string' },
    /** Nodes of the project's local Kafka cluster (KAFKA_BROKERS unset); topics are replicated 3 from three nodes up. */
    brokers: { type: 'string', default: '1' },
    /** Processes of each bank service, sharing its port. */
    replicas: { type: 'string', default: '1' },
    /** A directory for a V8 CPU profile of every stack process (node --cpu-prof), written when each stops. */
    'cpu-prof': { type: 'string' },
  },
});
function count(name: string, raw: string, max: number): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > max) throw new Error(`--${name} must be an integer from 1 to ${max}, got '${raw}'`);
  return value;
}
const topology = {
  brokers: count('brokers', values.brokers, 9),
  replicas: count('replicas', values.replicas, 16),
  cpuProfileDir: values['cpu-prof'] && resolve(values['cpu-prof']),
};
if (topology.brokers > 1 && process.env.KAFKA_BROKERS) {
  throw new Error(`--brokers ${topology.brokers} starts the project's own cluster: unset KAFKA_BROKERS (${process.env.KAFKA_BROKERS})`);
}
const selected = (values.only?.split(',') ?? Object.keys(scenarios)) as ScenarioId[];
const unknown = selected.filter((id) => !(id in scenarios));
if (unknown.length > 0) throw new Error(`unknown scenario(s): ${unknown.join(', ')}; choose from ${Object.keys(scenarios).join(', ')}`);

const log = (line: string) => console.log(`[bench] ${line}`);
const started = Date.now();
const settings = benchSettings(values.quick, topology);
const embedded = !process.env.DATABASE_URL;
const stopBroker = await ensureBroker(log, { brokers: topology.brokers });
// An empty database every run: rows earlier runs left (millions, under random keys) slowed every insert by the size of
// their indexes, so a figure depended on how often the bench had run before. DATABASE_URL's database is used as it is.
const stopDatabase = await ensureDatabase(log, 'voucher_bench', { fresh: true });
const report: BenchReport = {
  generatedAt: new Date().toISOString(),
  command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
  ...(await describeEnvironment(embedded)),
  settings,
  scenarios: {},
  failures: {},
  durationSec: 0,
};
try {
  for (const id of selected) {
    log(`--- ${id}`);
    await checkpoint(process.env.DATABASE_URL!, log);
    try {
      // Each scenario runs alone on its own stack: figures from a shared 2-core machine must not overlap.
      const result = await scenarios[id](settings, (line) => log(`${id}: ${line}`));
      (report.scenarios as Record<ScenarioId, unknown>)[id] = result;
    } catch (error) {
      report.failures[id] = (error as Error).message;
      log(`${id} failed: ${(error as Error).stack}`);
    }
  }
} finally {
  await stopDatabase();
  await stopBroker();
}
report.durationSec = Math.round((Date.now() - started) / 1000);
const jsonPath = resolve(values.out);
const { svgPath } = await writeOutputs(report, jsonPath, values.markdown, values.compare && resolve(values.compare));
console.log(`\n${renderTable(report)}\n`);
log(`wrote ${jsonPath}, ${svgPath} and ${values.markdown}`);
process.exit(0);
