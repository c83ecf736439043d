import type { Stack } from '@voucher/system-tests';
import { withStack } from '../bench-stack.ts';
import { produceRequestCodes } from '../measure/kafka-load.ts';
import { summarize, type LatencySummary } from '../measure/percentiles.ts';
import { pollUntil, putJson, scrapeMetric, type Sample } from '../measure/probes.ts';
import { storedTimes } from '../measure/stored-times.ts';
import type { BenchSettings } from '../settings.ts';
import type { Log, ScenarioLatencies } from './scenario.ts';

export interface PipelineResult {
  vouchersPerSec: number;
  p99OverheadMs: number;
  p50OverheadMs: number;
  pacedRatePerSec: number;
  burst: { produced: number; stored: number; seconds: number };
  paced: { produced: number; stored: number; overhead: LatencySummary; endToEnd: LatencySummary; source: string };
  method: string;
  baseline: string;
  latencies: ScenarioLatencies;
}

const STORED = 'voucher_codes_stored_total';
const WEB_DEADLINE_MS = 30_000;

/** Sustained rate: the slope between the samples where 10% and 90% of the burst were stored (no warm-up, no tail). */
export function sustainedRate(samples: Sample[], start: number, total: number): number {
  const at = (share: number) => samples.find((sample) => sample.value - start >= share * total);
  const low = at(0.1);
  const high = at(0.9);
  if (!low || !high || high.atMs <= low.atMs) return 0;
  return Math.round(((high.value - low.value) * 1000) / (high.atMs - low.atMs));
}

async function storeAll(stack: Stack, produce: () => Promise<unknown>, count: number, timeoutMs: number) {
  const start = await scrapeMetric(stack.adminUrls.voucher, STORED);
  const producing = produce();
  const polled = await pollUntil(
    () => scrapeMetric(stack.adminUrls.voucher, STORED),
    (value) => value - start >= count,
    { everyMs: 250, timeoutMs },
  );
  await producing;
  return { start, ...polled, stored: (polled.samples.at(-1)?.value ?? start) - start };
}

export async function runPipeline(settings: BenchSettings, log: Log): Promise<PipelineResult> {
  return withStack({}, async (stack) => {
    await putJson(`${stack.urls.vps}/admin/traffic`, { latencyMs: 0 });
    const namespace = stack.env.KAFKA_NAMESPACE!;
    const send = (count: number, ratePerSec: number) =>
      produceRequestCodes({ namespace, count, ratePerSec, webDeadlineMs: WEB_DEADLINE_MS, timeoutMs: 300_000 });

    log(`burst: ${settings.pipelineBurst} request-code messages at once, VPS answering at once`);
    const burst = await storeAll(stack, () => send(settings.pipelineBurst, Infinity), settings.pipelineBurst, 240_000);
    const rate = sustainedRate(burst.samples, burst.start, settings.pipelineBurst);

    const paced = Math.max(50, Math.round(rate / 2));
    const pacedCount = paced * settings.pipelinePacedSeconds;
    log(`paced: ${paced}/s for ${settings.pipelinePacedSeconds} s (half the sustained ${rate}/s)`);
    let sent: Awaited<ReturnType<typeof send>> = [];
    const pacedRun = await storeAll(
      stack,
      async () => (sent = await send(pacedCount, paced)),
      pacedCount,
      settings.pipelinePacedSeconds * 1000 + 120_000,
    );
    const times = await storedTimes(sent);
    const overhead = summarize(times.overheadMs);
    const endToEnd = summarize(times.endToEndMs);
    return {
      vouchersPerSec: rate,
      p99OverheadMs: overhead.p99Ms,
      p50OverheadMs: overhead.p50Ms,
      pacedRatePerSec: paced,
      burst: { produced: settings.pipelineBurst, stored: burst.stored, seconds: Math.round((burst.samples.at(-1)?.atMs ?? 0) / 100) / 10 },
      paced: { produced: sent.length, stored: pacedRun.stored, overhead, endToEnd, source: times.source },
      method:
        'request-code messages produced straight to the namespaced Kafka topic (not through the gateway); VPS at 0 ms; ' +
        `stored count from voucher-service's ${STORED}; overhead = stored_at − issued_at at half the sustained rate`,
      baseline: 'none: both targets are absolute (rate per second, milliseconds of overhead)',
      latencies: { 'pipeline overhead (stored − VPS answer)': overhead, 'pipeline end-to-end (stored − sent)': endToEnd },
    };
  });
}
