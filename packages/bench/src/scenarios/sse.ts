import { setTimeout as sleep } from 'node:timers/promises';
import type { Stack } from '@voucher/system-tests';
import { pidsOf, scrapeService, withStack } from '../bench-stack.ts';
import { residentMegabytes, putJson } from '../measure/probes.ts';
import { openStreams } from '../measure/sse-clients.ts';
import { repeat, steady } from '../measure/steady.ts';
import type { BenchSettings } from '../settings.ts';
import type { Log, Steadiness } from './scenario.ts';

export interface SseResult {
  connections: number;
  rssMB: number;
  idleRssMB: number;
  perStreamKB: number;
  requested: number;
  failed: number;
  streamsOpenMetric: number;
  method: string;
  baseline: string;
  steadiness: Steadiness;
}

/** Far beyond the scenario's length: no outcome arrives while the streams are open (the VPS allows at most 600 s). */
const HOLD_MS = 590_000;

/** Resident memory of every gateway replica together, MB. */
async function gatewayRss(stack: Stack): Promise<number> {
  const each = await Promise.all(pidsOf(stack, 'gateway').map((pid) => residentMegabytes(pid)));
  return Math.round(each.reduce((sum, value) => sum + value, 0) * 10) / 10;
}

export async function runSse(settings: BenchSettings, log: Log): Promise<SseResult> {
  return withStack(settings, { WEB_DEADLINE_MS: String(HOLD_MS + 10_000) }, async (stack) => {
    await putJson(`${stack.urls.vps}/admin/traffic`, { latencyMs: HOLD_MS });
    const accepted = await fetch(`${stack.urls.gateway}/voucher`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ phoneNumber: '0909123456' }),
    });
    if (accepted.status !== 202) throw new Error(`POST /voucher answered ${accepted.status}: ${await accepted.text()}`);
    const { requestId } = (await accepted.json()) as { requestId: string };
    const idleRssMB = await gatewayRss(stack);

    const count = settings.sseConnections;
    log(`opening ${count} SSE streams to one request's events on one gateway (idle RSS ${idleRssMB} MB)`);
    const streams = await openStreams(`${stack.urls.gateway}/voucher/requests/${requestId}/events`, count, {
      wave: 250,
      timeoutMs: 180_000,
    });
    try {
      // Readings 2 s apart while every stream stays open, so none is a transient peak; the median is the figure.
      const readings = steady(
        await repeat(settings.repeats, async () => {
          await sleep(2_000);
          return gatewayRss(stack);
        }),
      );
      const rssMB = readings.median;
      const streamsOpenMetric = await scrapeService(stack, 'gateway', 'gateway_sse_streams_open');
      return {
        connections: streams.opened,
        rssMB,
        idleRssMB,
        perStreamKB: streams.opened > 0 ? Math.round(((rssMB - idleRssMB) * 1024) / streams.opened) : 0,
        requested: count,
        failed: streams.failed,
        streamsOpenMetric,
        method: `${count} plain http.get streams (keep-alive agent) to GET /voucher/requests/{id}/events of one request, 250 at a time; RSS from /proc/<pid>/status (every gateway replica's together), read ${settings.repeats} times 2 s apart (median)`,
        baseline: 'the same gateway process before any stream was opened (idle RSS)',
        steadiness: { 'sse gateway RSS': { ...readings, unit: 'MB' } },
      };
    } finally {
      streams.close();
    }
  });
}
