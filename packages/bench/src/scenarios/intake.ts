import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Stack } from '@voucher/system-tests';
import type { LimitMode } from '../baseline-server.ts';
import { stopReplicas, withStack } from '../bench-stack.ts';
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
  /** Which baseline is the limit. */
  limitBy: LimitMode;
  limits: Record<LimitMode, { rps: Steady; p99Ms: Steady }>;
  method: string;
  baseline: string;
  steadiness: Steadiness;
  latencies: ScenarioLatencies;
}

/** The body autocannon posts, and its number as the gateway stores and keys it (E.164). */
const body = { phoneNumber: '0909123456' };
const E164 = '+84909123456';
const LIMIT_SCHEMA = 'bench_limit';
const limitModes: LimitMode[] = ['bare', 'produce', 'insert'];
const limitLabels: Record<LimitMode, string> = {
  bare: 'bare Fastify route',
  produce: 'route + acks=all produce',
  insert: 'route + INSERT',
};

/** Starts one limit baseline as its own process and resolves with its URL and a stop function. */
async function startLimitServer(mode: LimitMode, stack: Stack): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [new URL('../baseline-server.ts', import.meta.url).pathname, mode], {
    stdio: ['ignore', 'pipe', 'inherit'],
    // The stack's settings (so the gateway's producer and pool), with a namespace and schema nothing downstream reads.
    env: { ...stack.env, KAFKA_NAMESPACE: `${stack.env.KAFKA_NAMESPACE}limit-`, DATABASE_SCHEMA: LIMIT_SCHEMA, BENCH_PHONE_NUMBER: E164 },
  });
  const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
  return {
    url: `http://127.0.0.1:${line.trim()}/voucher`,
    stop: async () => {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Same load on every target: a warm-up, then the measured run. */
async function measure(url: string, settings: BenchSettings): Promise<HttpLoadResult> {
  const load = { url, method: 'POST' as const, body, connections: settings.connections };
  await runHttpLoad({ ...load, durationSec: settings.warmupSeconds });
  return runHttpLoad({ ...load, durationSec: settings.httpSeconds });
}

const figures = (runs: HttpLoadResult[]) => ({ rps: steady(runs.map((run) => run.rps)), p99Ms: steady(runs.map((run) => run.p99Ms)) });
const ratioOf = (part: number, whole: number) => (whole > 0 ? Math.round((part / whole) * 1000) / 1000 : 0);

/**
 * Rounds of the limit baselines and the gateway, one after the other under the same load, with the downstream consumers
 * stopped (in production they do not share the gateway's cores); the rounds interleave, so a noisy minute hits all.
 */
async function measureAcceptPath(stack: Stack, settings: BenchSettings, log: Log) {
  const servers = await Promise.all(limitModes.map((mode) => startLimitServer(mode, stack)));
  const runs: Record<LimitMode | 'gateway', HttpLoadResult[]> = { bare: [], produce: [], insert: [], gateway: [] };
  try {
    await repeat(settings.repeats, async (round) => {
      for (const [index, mode] of limitModes.entries()) {
        log(`round ${round + 1}/${settings.repeats}: limit baseline, ${limitLabels[mode]}`);
        runs[mode].push(await measure(servers[index]!.url, settings));
      }
      log(`round ${round + 1}/${settings.repeats}: gateway alone (broker and database, consumers stopped)`);
      runs.gateway.push(await measure(`${stack.urls.gateway}/voucher`, settings));
    });
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
  }
  return runs;
}

export async function runIntake(settings: BenchSettings, log: Log): Promise<IntakeResult> {
  return withStack(settings, {}, async (stack) => {
    const restartConsumers = await stopReplicas(stack, ['integration', 'voucher']);
    const runs = await measureAcceptPath(stack, settings, log);
    await restartConsumers();
    const withPipelineRuns = await repeat(settings.repeats, async (round) => {
      log(`round ${round + 1}/${settings.repeats}: gateway with the pipeline running`);
      return measure(`${stack.urls.gateway}/voucher`, settings);
    });
    const gateway = figures(runs.gateway);
    const withPipeline = figures(withPipelineRuns);
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
      method:
        `autocannon, ${settings.connections} connections, ${settings.httpSeconds} s after ${settings.warmupSeconds} s warm-up, JSON body, ` +
        `${settings.repeats} interleaved rounds (median, min, max); the gateway with the downstream consumers stopped (the accept ` +
        'path: gateway, broker, database), then again with the whole pipeline running',
      baseline:
        'three limit baselines, each its own process, in the same rounds under the same load: a bare Fastify route answering the ' +
        "same 202 JSON; the same route plus the gateway's acks=all publish of the same record (its producer, batched as it batches); " +
        "the same route plus the gateway's INSERT of the request row (its acceptor's Batcher); the least of them is the limit",
      steadiness: {
        'intake gateway rps': { ...gateway.rps, unit: 'req/s' },
        'intake gateway with the pipeline rps': { ...withPipeline.rps, unit: 'req/s' },
        ...Object.fromEntries(limitModes.map((mode) => [`intake ${limitLabels[mode]} rps`, { ...limits[mode].rps, unit: 'req/s' }])),
      },
      latencies: {
        'intake gateway': medianLatency(runs.gateway),
        'intake gateway, pipeline running': medianLatency(withPipelineRuns),
        ...Object.fromEntries(limitModes.map((mode) => [`intake ${limitLabels[mode]}`, medianLatency(runs[mode])])),
      },
    };
  });
}
