import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { startExtraProcess, type Stack } from '@voucher/system-tests';
import { withStack } from '../bench-stack.ts';
import { runHttpLoad, type HttpLoadResult } from '../measure/http-load.ts';
import type { BenchSettings } from '../settings.ts';
import type { Log, ScenarioLatencies } from './scenario.ts';

export interface IntakeResult {
  rps: number;
  p99Ms: number;
  /** The same load while the whole pipeline (integration, voucher-service) processes what is accepted. */
  withPipelineRps: number;
  withPipelineP99Ms: number;
  baselineRps: number;
  baselineP99Ms: number;
  ratio: number;
  method: string;
  baseline: string;
  gateway: HttpLoadResult;
  bare: HttpLoadResult;
  latencies: ScenarioLatencies;
}

const body = { phoneNumber: '0909123456' };

/** Starts the bare Fastify baseline as its own process and resolves with its URL and a stop function. */
async function startBaselineServer(): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [new URL('../baseline-server.ts', import.meta.url).pathname], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
  return {
    url: `http://127.0.0.1:${line.trim()}`,
    stop: async () => {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function stopProcesses(stack: Stack, names: string[]): Promise<void> {
  for (const supervised of stack.processes.filter((p) => names.includes(p.name))) {
    supervised.child.kill('SIGTERM');
    await supervised.exited;
  }
}

/** Same load on both: a warm-up, then the measured run; the baseline runs while the stack is up, so both see the same machine. */
async function measure(url: string, settings: BenchSettings): Promise<HttpLoadResult> {
  const load = { url, method: 'POST' as const, body, connections: settings.connections };
  await runHttpLoad({ ...load, durationSec: settings.warmupSeconds });
  return runHttpLoad({ ...load, durationSec: settings.httpSeconds });
}

export async function runIntake(settings: BenchSettings, log: Log): Promise<IntakeResult> {
  return withStack({}, async (stack) => {
    const baselineServer = await startBaselineServer();
    let bare: HttpLoadResult;
    try {
      log(`baseline: bare Fastify POST /voucher, ${settings.connections} connections, ${settings.httpSeconds} s`);
      bare = await measure(`${baselineServer.url}/voucher`, settings);
    } finally {
      await baselineServer.stop();
    }
    // In production the consumers run elsewhere; on two shared cores they would bill their work to the intake path.
    // So first the accept path alone, with nothing flowing back; then the same load with the whole pipeline running.
    const consumers = ['voucher-integration-service', 'voucher-service'];
    await stopProcesses(stack, consumers);
    log(
      `gateway alone (broker and database, consumers stopped): POST /voucher, ${settings.connections} connections, ${settings.httpSeconds} s`,
    );
    const gateway = await measure(`${stack.urls.gateway}/voucher`, settings);
    for (const name of consumers) await startExtraProcess(stack, name, {});
    log(`gateway with the pipeline running: POST /voucher, ${settings.connections} connections, ${settings.httpSeconds} s`);
    const withPipeline = await measure(`${stack.urls.gateway}/voucher`, settings);
    return {
      rps: gateway.rps,
      p99Ms: gateway.p99Ms,
      withPipelineRps: withPipeline.rps,
      withPipelineP99Ms: withPipeline.p99Ms,
      baselineRps: bare.rps,
      baselineP99Ms: bare.p99Ms,
      ratio: bare.rps > 0 ? Math.round((gateway.rps / bare.rps) * 1000) / 1000 : 0,
      method:
        `autocannon, ${settings.connections} connections, ${settings.httpSeconds} s after ${settings.warmupSeconds} s warm-up, JSON body; ` +
        'rps with the downstream consumers stopped (the accept path: gateway, broker, database), and again with the whole pipeline running',
      baseline: 'a bare Fastify route answering the same 202 JSON, its own process, same run, same load',
      gateway,
      bare,
      latencies: {
        'intake gateway': gateway,
        'intake gateway, pipeline running': withPipeline,
        'intake bare Fastify': bare,
      },
    };
  });
}
