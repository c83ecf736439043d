import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { createInterface } from 'node:readline';
import type { Stack } from '@voucher/system-tests';
import type { BaselineMode, LimitMode } from '../baseline-server.ts';
import { pidsOf, stopReplicas, withStack } from '../bench-stack.ts';
import { measureCpu, type CpuCost } from '../measure/cpu-time.ts';
import { withWriteCounter, type DatabaseWrites, type WriteCounter } from '../measure/database-writes.ts';
import { runHttpLoad, type HttpLoadResult } from '../measure/http-load.ts';
import { medianLatency, repeat, steady, type Steady } from '../measure/steady.ts';
import type { BenchSettings } from '../settings.ts';
import type { Log, ScenarioLatencies, Steadiness } from './scenario.ts';

export interface IntakeResult {
  /** Medians over the repeated runs. */
  rps: number;
  p99Ms: number;
  /** The same load while the whole pipeline (integration, voucher-service) processes what is accepted. */
  withPipelineRps: number;
  withPipelineP99Ms: number;
  baselineRps: number;
  baselineP99Ms: number;
  /** The gateway over the bare route. */
  ratio: number;
  /** The architecture's limit: the least of the three limit baselines' medians (bare route, + produce, + insert). */
  limitRps: number;
  /** The gateway over that limit. */
  limitRatio: number;
  /** The gateway's figures in full (the fields above are their medians), with its CPU per accepted request. */
  gateway?: Figures;
  /** Which baseline is the limit. */
  limitBy: LimitMode;
  limits: Record<LimitMode, Figures>;
  /** The gateway's acceptor alone, row then record (not part of the limit): the two durable writes in their order. */
  insertThenProduce?: Figures;
  /** The broker as the record of acceptance (not part of the limit): the produce alone, the row from a consumer. */
  produceThenRow?: Figures;
  /** The gateway with a fresh Idempotency-Key on every request, as the web page sends (the seed's curl sends none). */
  keyed?: Figures;
  method: string;
  baseline: string;
  steadiness: Steadiness;
  latencies: ScenarioLatencies;
}

/** One target's figures over the rounds; cpu is undefined where /proc cannot be read, writes where PostgreSQL cannot say. */
export interface Figures {
  rps: Steady;
  p99Ms: Steady;
  cpu?: { serverUs: Steady; machineUs: Steady };
  /** PostgreSQL's WAL bytes and write transactions per request (DatabaseWrites). */
  writes?: { walBytes: Steady; transactions: Steady };
  /** Where work goes on after the answer: how long after the load its last row was written (inside the measured run). */
  catchUpMs?: Steady;
}

/** The body autocannon posts, and its number as the gateway stores and keys it (E.164). */
const body = { phoneNumber: '0909123456' };
const E164 = '+84909123456';
const LIMIT_SCHEMA = 'bench_limit';
const limitModes: LimitMode[] = ['bare', 'produce', 'insert'];
const baselineModes: BaselineMode[] = [...limitModes, 'insertThenProduce', 'produceThenRow'];
const labels: Record<BaselineMode | 'gateway' | 'keyed', string> = {
  bare: 'bare Fastify route',
  produce: 'route + acks=all produce',
  insert: 'route + INSERT',
  insertThenProduce: 'route + INSERT, then produce',
  produceThenRow: 'route + produce, the row from a consumer',
  gateway: 'gateway',
  keyed: 'gateway, Idempotency-Key on each request',
};

interface Target {
  url: string;
  pids: number[];
  keyed?: boolean;
  /** Where work goes on after the answer: resolves once it is done, with how long that took after the load. */
  settle?: () => Promise<number>;
}

/** Starts one baseline as its own process and resolves with its URL, its pid and a stop function. */
async function startBaselineServer(mode: BaselineMode, stack: Stack): Promise<Target & { stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [new URL('../baseline-server.ts', import.meta.url).pathname, mode], {
    stdio: ['ignore', 'pipe', 'inherit'],
    // The stack's settings (so the gateway's producer and pool), with a namespace and schema nothing downstream reads; a
    // topic per baseline, so that produceThenRow's consumer reads only its own records.
    env: {
      ...stack.env,
      KAFKA_NAMESPACE: `${stack.env.KAFKA_NAMESPACE}limit-${mode}-`,
      DATABASE_SCHEMA: LIMIT_SCHEMA,
      BENCH_PHONE_NUMBER: E164,
    },
  });
  const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
  const origin = `http://127.0.0.1:${line.trim()}`;
  return {
    url: `${origin}/voucher`,
    pids: [child.pid!],
    ...(mode === 'produceThenRow' ? { settle: () => rowsWritten(origin) } : {}),
    stop: async () => {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Waits until produceThenRow's consumer has written a row for every request it answered; resolves with the wait. */
async function rowsWritten(origin: string): Promise<number> {
  const started = performance.now();
  for (;;) {
    const { accepted, written } = (await (await fetch(`${origin}/progress`)).json()) as { accepted: number; written: number };
    if (written >= accepted) return Math.round(performance.now() - started);
    await sleep(20);
  }
}

type Run = HttpLoadResult & { cpu?: CpuCost; writes?: DatabaseWrites; catchUpMs?: number };

/** Same load on every target: a warm-up, then the measured run, with the CPU and the database writes it cost per request. */
async function measure(target: Target, settings: BenchSettings, database: WriteCounter): Promise<Run> {
  const load = { url: target.url, method: 'POST' as const, body, connections: settings.connections, idempotencyKeys: target.keyed };
  await runHttpLoad({ ...load, durationSec: settings.warmupSeconds });
  await target.settle?.();
  // Work left after the answers (produceThenRow's rows) is done inside the measured run, so its CPU and writes count,
  // and its rate is the requests over the load and the catch-up together: what it sustains, not what it answered.
  const loadThenSettle = async () => {
    const answered = await runHttpLoad({ ...load, durationSec: settings.httpSeconds });
    if (!target.settle) return answered;
    const catchUpMs = await target.settle();
    const ok = answered.total - answered.non2xx;
    return { ...answered, rps: Math.round(ok / (settings.httpSeconds + catchUpMs / 1000)), catchUpMs };
  };
  const run = () => measureCpu(target.pids, loadThenSettle, (answered) => answered.total);
  const {
    result: { result, cpu },
    writes,
  } = await database.measure(run, (measured) => measured.result.total);
  return { ...result, cpu, writes };
}

function figures(runs: Run[]): Figures {
  const cpu = runs.every((run) => run.cpu) ? runs.map((run) => run.cpu!) : undefined;
  const writes = runs.every((run) => run.writes) ? runs.map((run) => run.writes!) : undefined;
  const catchUp = runs.every((run) => run.catchUpMs !== undefined) ? steady(runs.map((run) => run.catchUpMs!)) : undefined;
  return {
    ...(catchUp ? { catchUpMs: catchUp } : {}),
    rps: steady(runs.map((run) => run.rps)),
    p99Ms: steady(runs.map((run) => run.p99Ms)),
    ...(cpu ? { cpu: { serverUs: steady(cpu.map((c) => c.serverUs)), machineUs: steady(cpu.map((c) => c.machineUs)) } } : {}),
    ...(writes
      ? { writes: { walBytes: steady(writes.map((w) => w.walBytes)), transactions: steady(writes.map((w) => w.transactions)) } }
      : {}),
  };
}
const ratioOf = (part: number, whole: number) => (whole > 0 ? Math.round((part / whole) * 1000) / 1000 : 0);

/**
 * Rounds of the limit baselines and the gateway, one after the other under the same load, with the downstream consumers
 * stopped (in production they do not share the gateway's cores); the rounds interleave, so a noisy minute hits all.
 */
async function measureAcceptPath(stack: Stack, settings: BenchSettings, database: WriteCounter, log: Log) {
  const servers = await Promise.all(baselineModes.map((mode) => startBaselineServer(mode, stack)));
  const gateway = { url: `${stack.urls.gateway}/voucher`, pids: pidsOf(stack, 'gateway') };
  const targets = new Map<keyof typeof labels, Target>([
    ...baselineModes.map((mode, index) => [mode, servers[index]!] as const),
    ['gateway', gateway],
    ['keyed', { ...gateway, keyed: true }],
  ]);
  const runs = Object.fromEntries([...targets.keys()].map((name) => [name, [] as Run[]])) as Record<keyof typeof labels, Run[]>;
  try {
    await repeat(settings.repeats, async (round) => {
      for (const [name, target] of targets) {
        log(
          `round ${round + 1}/${settings.repeats}: ${labels[name]}${name === 'gateway' || name === 'keyed' ? ' (consumers stopped)' : ''}`,
        );
        runs[name].push(await measure(target, settings, database));
      }
    });
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
  }
  return runs;
}

export async function runIntake(settings: BenchSettings, log: Log): Promise<IntakeResult> {
  return withStack(settings, {}, (stack) =>
    withWriteCounter(stack.env.DATABASE_URL!, async (database) => {
      const restartConsumers = await stopReplicas(stack, ['integration', 'voucher']);
      const runs = await measureAcceptPath(stack, settings, database, log);
      await restartConsumers();
      const withPipelineRuns = await repeat(settings.repeats, async (round) => {
        log(`round ${round + 1}/${settings.repeats}: gateway with the pipeline running`);
        return measure({ url: `${stack.urls.gateway}/voucher`, pids: pidsOf(stack, 'gateway') }, settings, database);
      });
      const gateway = figures(runs.gateway);
      const withPipeline = figures(withPipelineRuns);
      const insertThenProduce = figures(runs.insertThenProduce);
      const produceThenRow = figures(runs.produceThenRow);
      const keyed = figures(runs.keyed);
      const limits = { bare: figures(runs.bare), produce: figures(runs.produce), insert: figures(runs.insert) };
      const limitBy = limitModes.reduce((least, mode) => (limits[mode].rps.median < limits[least].rps.median ? mode : least));
      const limitRps = limits[limitBy].rps.median;
      return {
        rps: gateway.rps.median,
        p99Ms: gateway.p99Ms.median,
        withPipelineRps: withPipeline.rps.median,
        withPipelineP99Ms: withPipeline.p99Ms.median,
        baselineRps: limits.bare.rps.median,
        baselineP99Ms: limits.bare.p99Ms.median,
        ratio: ratioOf(gateway.rps.median, limits.bare.rps.median),
        limitRps,
        limitRatio: ratioOf(gateway.rps.median, limitRps),
        limitBy,
        limits,
        insertThenProduce,
        produceThenRow,
        keyed,
        gateway,
        method:
          `autocannon, ${settings.connections} connections, ${settings.httpSeconds} s after ${settings.warmupSeconds} s warm-up, JSON body, ` +
          `${settings.repeats} interleaved rounds (median, min, max); the gateway with the downstream consumers stopped (the accept ` +
          'path: gateway, broker, database), also with a fresh Idempotency-Key on each request as the web page sends, then again ' +
          'with the whole pipeline running. CPU per request: /proc CPU time over each measured run, of the server process and of ' +
          "the whole machine, divided by the requests answered; PostgreSQL's writes per request: the WAL position and the next " +
          'transaction id before and after each measured run (every writer in the interval counts)',
        baseline:
          'three limit baselines, each its own process, in the same rounds under the same load: a bare Fastify route answering the ' +
          "same 202 JSON; the same route plus the gateway's acks=all publish of the same record (its producer, batched as it batches); " +
          "the same route plus the gateway's INSERT of the request row (its acceptor's Batcher); the least of them is the limit. " +
          "Beside them, not part of the limit: the gateway's acceptor with both writes in its order (the row, then the record); " +
          'and the broker as the record of acceptance (the route plus the produce alone, the same row written by a consumer of ' +
          'the topic, batched by what it has in hand; its rate is over the load and the catch-up of its rows together)',
        steadiness: {
          'intake gateway rps': { ...gateway.rps, unit: 'req/s' },
          'intake gateway with the pipeline rps': { ...withPipeline.rps, unit: 'req/s' },
          ...Object.fromEntries(limitModes.map((mode) => [`intake ${labels[mode]} rps`, { ...limits[mode].rps, unit: 'req/s' }])),
          [`intake ${labels.insertThenProduce} rps`]: { ...insertThenProduce.rps, unit: 'req/s' },
          [`intake ${labels.produceThenRow} rps`]: { ...produceThenRow.rps, unit: 'req/s' },
          [`intake ${labels.keyed} rps`]: { ...keyed.rps, unit: 'req/s' },
          ...(gateway.cpu ? { 'intake gateway CPU per request (machine)': { ...gateway.cpu.machineUs, unit: 'µs' } } : {}),
        },
        latencies: {
          'intake gateway': medianLatency(runs.gateway),
          'intake gateway, pipeline running': medianLatency(withPipelineRuns),
          ...Object.fromEntries(limitModes.map((mode) => [`intake ${labels[mode]}`, medianLatency(runs[mode])])),
          [`intake ${labels.keyed}`]: medianLatency(runs.keyed),
        },
      };
    }),
  );
}
