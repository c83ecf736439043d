import { Batcher } from '@voucher/platform/batching';
import type { Database } from '@voucher/platform/database';
import { continueTrace, withRequestId } from '@voucher/platform/telemetry';
import type { GatewayMetrics } from '../metrics.ts';
import { finalPageEvent } from './customer-view.ts';
import { lifeCycle, type DeliveryRow } from './life-cycle.ts';
import { endWithEvent } from './sse.ts';
import type { StreamRegistry } from './stream-registry.ts';

export interface PageDeliveryDeps {
  db: Database;
  registry: StreamRegistry;
  metrics: GatewayMetrics;
}

/** A notification names at most 200 requests (outcome-recorder's MAX_ANNOUNCED): one batch takes them all. */
const MAX_OFFERS = 200;

/**
 * Gives requests' outcomes to the pages waiting for them on this replica: runs when a page opens, and on every
 * `voucher_ready` notification (any replica's). WEB outcomes are claimed with one conditional UPDATE, so when replicas
 * and the delivery worker race exactly one tells the customer; a page that finds its request already ended (by SMS,
 * or on another page) is only told how. Offers made together (the requests of one notification, pages opening at
 * once) share one statement: the claim of those ready, with a look at the others.
 */
export function createPageDelivery({ db, registry, metrics }: PageDeliveryDeps) {
  /** Writes the final event to the request's pages here; a claimed outcome whose pages all closed goes by SMS instead. */
  const tellPages = async (request: DeliveryRow, claimed: boolean) => {
    const event = finalPageEvent(request);
    if (!event) return; // not ended yet: the pages keep waiting
    const streams = registry.take(request.requestId);
    if (claimed && streams.length === 0) {
      await lifeCycle.pageVanished(db, request.requestId);
      return;
    }
    // The push to the page is the last step of the request's trace (stored with its outcome), whoever triggered it.
    await withRequestId(request.requestId, () =>
      continueTrace('deliver to page', request.traceContext, async (span) => {
        span.setAttribute('voucher.pages', streams.length);
        for (const stream of streams) endWithEvent(stream, event.name, event.data);
      }),
    );
    if (claimed) metrics.delivered('WEB', request.state === 'FAILED' ? 'failure' : 'code');
  };

  const offerMany = async (requestIds: string[]) => {
    const waited = [...new Set(requestIds)].filter((requestId) => registry.has(requestId));
    if (waited.length === 0) return;
    const { claimed, unclaimed } = await lifeCycle.pageTakes(db, waited);
    // Ready a moment ago, but another replica or the worker moved them first: how they ended is read again.
    const lost = unclaimed.filter((row) => row.state === 'WEB_READY').map((row) => row.requestId);
    const movedMeanwhile = lost.length > 0 ? await lifeCycle.findMany(db, lost) : [];
    for (const row of claimed) await tellPages(row, true);
    for (const row of [...unclaimed.filter((row) => row.state !== 'WEB_READY'), ...movedMeanwhile]) await tellPages(row, false);
  };

  const offers = new Batcher<string>(
    async (requestIds) => {
      await offerMany(requestIds);
      return requestIds.map(() => undefined);
    },
    { maxBatch: MAX_OFFERS },
  );
  return function offerToPages(requestId: string): Promise<void> {
    return offers.add(requestId);
  };
}

export type OfferToPages = ReturnType<typeof createPageDelivery>;
