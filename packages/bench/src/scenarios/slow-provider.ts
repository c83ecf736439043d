import type { Stack } from '@voucher/system-tests';
import { scrapeService, withStack } from '../bench-stack.ts';
import { produceRequestCodes } from '../measure/kafka-load.ts';
import { getJson, putJson } from '../measure/probes.ts';
import { repeat, steady } from '../measure/steady.ts';
import type { BenchSettings } from '../settings.ts';
import type { Log, Steadiness } from './scenario.ts';

export interface SlowProviderResult {
  vpsLatencyMs: number;
  rps: number;
  maxInFlight: number;
  completed: number;
  produced: number;
  seconds: number;
  /** Each burst's figures; the fields above are their medians. */
  runs: { rps: number; maxInFlight: number; completed: number; produced: number; seconds: number }[];
  settings: Record<string, string>;
  method: string;
  baseline: string;
  steadiness: Steadiness;
}

const VPS_LATENCY_MS = 3_000;
// Calls the VPS answered (every one with a code: its latency is under the ack mark). The service also declares
// vps_requests_settled_total, but nothing increments it yet.
const SETTLED = 'vps_calls_total';
/** Every call is held for the whole latency: the ack mark sits above it. */
const overrides = { VPS_ACK_AFTER_MS: '5000', VPS_MAX_CONNECTIONS: '6000', CONSUMER_CONCURRENCY: '6000' };

/** Polls the VPS (calls it is holding) and the integration service (requests settled) until every request settled. */
async function watch(stack: Stack, target: number, timeoutMs: number) {
  const started = performance.now();
  const before = await scrapeService(stack, 'integration', SETTLED);
  let maxInFlight = 0;
  let settled = 0;
  let lastChangeMs = 0;
  while (performance.now() - started < timeoutMs && settled < target) {
    const stats = await getJson<{ inFlight: number }>(`${stack.urls.vps}/admin/stats`);
    maxInFlight = Math.max(maxInFlight, stats.inFlight);
    const now = (await scrapeService(stack, 'integration', SETTLED)) - before;
    if (now !== settled) lastChangeMs = performance.now() - started;
    settled = now;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { maxInFlight, settled, lastSettledMs: lastChangeMs };
}

export async function runSlowProvider(settings: BenchSettings, log: Log): Promise<SlowProviderResult> {
  return withStack(settings, overrides, async (stack) => {
    await putJson(`${stack.urls.vps}/admin/traffic`, { latencyMs: VPS_LATENCY_MS });
    const count = settings.slowProviderMessages;
    const runs = await repeat(settings.repeats, async (round) => {
      log(`burst ${round + 1}/${settings.repeats}: ${count} request-code messages at once; VPS holds each call ${VPS_LATENCY_MS} ms`);
      const producing = produceRequestCodes({
        namespace: stack.env.KAFKA_NAMESPACE!,
        count,
        ratePerSec: Infinity,
        webDeadlineMs: 30_000,
        timeoutMs: 120_000,
      });
      const watched = await watch(stack, count, 60_000 + (count / 200) * 1000);
      const sent = await producing;
      const seconds = watched.lastSettledMs / 1000;
      return {
        rps: seconds > 0 ? Math.round(watched.settled / seconds) : 0,
        maxInFlight: watched.maxInFlight,
        completed: watched.settled,
        produced: sent.length,
        seconds: Math.round(seconds * 10) / 10,
      };
    });
    const median = (pick: (run: (typeof runs)[number]) => number) => steady(runs.map(pick)).median;
    const rps = steady(runs.map((run) => run.rps));
    return {
      vpsLatencyMs: VPS_LATENCY_MS,
      rps: rps.median,
      maxInFlight: median((run) => run.maxInFlight),
      completed: median((run) => run.completed),
      produced: median((run) => run.produced),
      seconds: median((run) => run.seconds),
      runs,
      settings: overrides,
      method:
        `${count} request-code messages produced at once straight to Kafka; rps = VPS calls completed by the one integration replica ` +
        `(${SETTLED}) ÷ time from the first message sent to the last one settled (includes one ${VPS_LATENCY_MS} ms wait); ` +
        `in flight = the VPS /admin/stats inFlight, polled every 100 ms; ${settings.repeats} bursts one after the other (medians)`,
      baseline: `the ideal: CONSUMER_CONCURRENCY ÷ latency = ${Math.round((Number(overrides.CONSUMER_CONCURRENCY) * 1000) / VPS_LATENCY_MS)}/s`,
      steadiness: { 'slowProvider completed/s': { ...rps, unit: 'req/s' } },
    };
  });
}
