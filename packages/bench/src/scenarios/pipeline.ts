import type { Stack } from '@voucher/system-tests';
import { pidsOf, scrapeService, stopReplicas, withStack } from '../bench-stack.ts';
import { measureCpuOf } from '../measure/cpu-time.ts';
import { produceRequestCodes, type SentRequest } from '../measure/kafka-load.ts';
import { summarize, type LatencySummary } from '../measure/percentiles.ts';
import { pollUntil, putJson, type Sample } from '../measure/probes.ts';
import { repeat, steady } from '../measure/steady.ts';
import { buyPaced } from '../measure/purchases.ts';
import { breakdownOf, pacedHops, purchaseHops, purchaseTimes, storedTimes, type HopRow } from '../measure/stored-times.ts';
import type { BenchSettings } from '../settings.ts';
import type { Log, ScenarioLatencies, Steadiness } from './scenario.ts';

export interface PipelineResult {
  /** Medians over the repeated bursts and paced runs. */
  vouchersPerSec: number;
  p99OverheadMs: number;
  p50OverheadMs: number;
  pacedRatePerSec: number;
  bursts: { produced: number; stored: number; seconds: number; ratePerSec: number }[];
  paced: { produced: number; stored: number; overhead: LatencySummary; endToEnd: LatencySummary }[];
  /** Where the time goes at the paced rate, every paced request pooled. */
  breakdown: HopRow[];
  /** Purchases through the gateway, each with its page open: every hop from accepted to delivered. */
  purchases: PurchasesResult;
  source: string;
  method: string;
  baseline: string;
  steadiness: Steadiness;
  latencies: ScenarioLatencies;
}

export interface PurchasesResult {
  ratePerSec: number;
  /** The rate the purchases were started at (the bench's client can fall behind `ratePerSec` on a busy machine). */
  startedPerSec: number;
  bought: number;
  /** Purchases whose code reached their page; the others (`notShown`, by how they ended) were refused or told otherwise. */
  shown: number;
  notShown: Record<string, number>;
  breakdown: HopRow[];
  /** The bench's POST to the code on the page. */
  endToEnd: LatencySummary;
  /** CPU µs per purchase shown: each bank service's processes, and the whole machine (the bench's client included). */
  cpuPerPurchase?: { gatewayUs: number; integrationUs: number; voucherServiceUs: number; machineUs: number };
}

const STORED = 'voucher_codes_stored_total';
const WEB_DEADLINE_MS = 30_000;
const PURCHASE_WARMUP_SECONDS = 2;

/** Sustained rate: the slope between the samples where 10% and 90% of the burst were stored (no warm-up, no tail). */
export function sustainedRate(samples: Sample[], start: number, total: number): number {
  const at = (share: number) => samples.find((sample) => sample.value - start >= share * total);
  const low = at(0.1);
  const high = at(0.9);
  if (!low || !high || high.atMs <= low.atMs) return 0;
  return Math.round(((high.value - low.value) * 1000) / (high.atMs - low.atMs));
}

async function storeAll(stack: Stack, produce: () => Promise<unknown>, count: number, timeoutMs: number) {
  const start = await scrapeService(stack, 'voucher', STORED);
  const producing = produce();
  const polled = await pollUntil(
    () => scrapeService(stack, 'voucher', STORED),
    (value) => value - start >= count,
    { everyMs: 250, timeoutMs },
  );
  await producing;
  return { start, ...polled, stored: (polled.samples.at(-1)?.value ?? start) - start };
}

/** Customers buying through the gateway as the web page does, at a rate the whole chain sustains. */
async function runPurchases(stack: Stack, settings: BenchSettings, log: Log): Promise<PurchasesResult> {
  const ratePerSec = settings.purchaseRatePerSec;
  const bought = ratePerSec * settings.purchaseSeconds;
  const buy = (count: number) => buyPaced({ gatewayUrl: stack.urls.gateway, count, ratePerSec, timeoutMs: WEB_DEADLINE_MS });
  // A fresh stack's first seconds (JIT, pools, the consumers' first fetches) are slower by far than the rest.
  log(`purchases: warming up with ${ratePerSec * PURCHASE_WARMUP_SECONDS} at ${ratePerSec}/s`);
  await buy(ratePerSec * PURCHASE_WARMUP_SECONDS);
  log(`purchases: ${bought} through the gateway at ${ratePerSec}/s, each POST followed by its page's event stream`);
  const pids = {
    gatewayUs: pidsOf(stack, 'gateway'),
    integrationUs: pidsOf(stack, 'integration'),
    voucherServiceUs: pidsOf(stack, 'voucher'),
  };
  const { result: run, cpu } = await measureCpuOf(
    pids,
    () => buy(bought),
    (purchases) => purchases.shown.length,
  );
  const times = await purchaseTimes(run.shown);
  return {
    ratePerSec,
    startedPerSec: run.startedPerSec,
    bought,
    shown: run.shown.length,
    notShown: run.notShown,
    breakdown: breakdownOf(purchaseHops, times),
    endToEnd: summarize(times.endToEndMs),
    cpuPerPurchase: cpu,
  };
}

export async function runPipeline(settings: BenchSettings, log: Log): Promise<PipelineResult> {
  return withStack(settings, {}, async (stack) => {
    await putJson(`${stack.urls.vps}/admin/traffic`, { latencyMs: 0 });
    const purchases = await runPurchases(stack, settings, log);
    // The bench produces request-code itself, so the gateway holds no row for any outcome: left running, it would
    // dead-letter every receive-code record (the code of a request it never accepted is never delivered), a core's
    // worth of work no deployment has, taken from the services measured here.
    await stopReplicas(stack, ['gateway']);
    const namespace = stack.env.KAFKA_NAMESPACE!;
    const send = (count: number, ratePerSec: number) =>
      produceRequestCodes({ namespace, count, ratePerSec, webDeadlineMs: WEB_DEADLINE_MS, timeoutMs: 300_000 });

    const bursts = await repeat(settings.repeats, async (round) => {
      log(`burst ${round + 1}/${settings.repeats}: ${settings.pipelineBurst} request-code messages at once, VPS answering at once`);
      const burst = await storeAll(stack, () => send(settings.pipelineBurst, Infinity), settings.pipelineBurst, 240_000);
      const seconds = Math.round((burst.samples.at(-1)?.atMs ?? 0) / 100) / 10;
      return {
        produced: settings.pipelineBurst,
        stored: burst.stored,
        seconds,
        ratePerSec: sustainedRate(burst.samples, burst.start, settings.pipelineBurst),
      };
    });
    const rate = steady(bursts.map((burst) => burst.ratePerSec));

    const pacedRate = Math.max(50, Math.round(rate.median / 2));
    const pacedCount = pacedRate * settings.pipelinePacedSeconds;
    const allSent: SentRequest[] = [];
    const paced = await repeat(settings.repeats, async (round) => {
      log(
        `paced ${round + 1}/${settings.repeats}: ${pacedRate}/s for ${settings.pipelinePacedSeconds} s (half the sustained ${rate.median}/s)`,
      );
      let sent: SentRequest[] = [];
      const run = await storeAll(
        stack,
        async () => (sent = await send(pacedCount, pacedRate)),
        pacedCount,
        settings.pipelinePacedSeconds * 1000 + 120_000,
      );
      allSent.push(...sent);
      const times = await storedTimes(sent);
      return { produced: sent.length, stored: run.stored, overhead: summarize(times.overheadMs), endToEnd: summarize(times.endToEndMs) };
    });
    const p99 = steady(paced.map((run) => run.overhead.p99Ms));
    const pooled = await storedTimes(allSent);
    return {
      vouchersPerSec: rate.median,
      p99OverheadMs: p99.median,
      p50OverheadMs: steady(paced.map((run) => run.overhead.p50Ms)).median,
      pacedRatePerSec: pacedRate,
      bursts,
      paced,
      breakdown: breakdownOf(pacedHops, pooled),
      purchases,
      source: pooled.source,
      method:
        'request-code messages produced straight to the namespaced Kafka topic (not through the gateway, which is stopped); ' +
        'VPS at 0 ms; ' +
        `${settings.repeats} bursts (the sustained rate: the slope of voucher-service's ${STORED} between 10% and 90% stored), then ` +
        `${settings.repeats} paced runs at half the median rate: overhead = stored_at − issued_at per request; medians of the runs. ` +
        `Before them, with the gateway running: ${purchases.bought} purchases at ${purchases.ratePerSec}/s through POST /voucher ` +
        '(an Idempotency-Key each, as the web page sends), each followed by its event stream until the code arrives: ' +
        'the per-hop breakdown from accepted to delivered',
      baseline: 'none: both targets are absolute (rate per second, milliseconds of overhead)',
      steadiness: {
        'pipeline sustained rate': { ...rate, unit: 'codes/s' },
        'pipeline p99 overhead': { ...p99, unit: 'ms' },
      },
      latencies: {
        'pipeline overhead (stored − VPS answer)': summarize(pooled.overheadMs),
        'pipeline end-to-end (stored − sent)': summarize(pooled.endToEndMs),
        'purchase end-to-end (POST → code on the page)': purchases.endToEnd,
      },
    };
  });
}
