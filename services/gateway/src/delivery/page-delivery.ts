import type { Database } from '@voucher/platform/database';
import { continueTrace, withRequestId } from '@voucher/platform/telemetry';
import type { GatewayMetrics } from '../metrics.ts';
import { finalPageEvent } from './customer-view.ts';
import { lifeCycle } from './life-cycle.ts';
import { writeEvent } from './sse.ts';
import type { StreamRegistry } from './stream-registry.ts';

export interface PageDeliveryDeps {
  db: Database;
  registry: StreamRegistry;
  metrics: GatewayMetrics;
}

/**
 * Gives a request's outcome to the pages waiting for it on this replica: runs when a page opens, and on every
 * `voucher_ready` notification (any replica's). A WEB outcome is claimed with one conditional UPDATE, so when replicas
 * and the delivery worker race exactly one tells the customer; a page that finds the request already ended (by SMS,
 * or on another page) is only told how.
 */
export function createPageDelivery({ db, registry, metrics }: PageDeliveryDeps) {
  return async function offerToPages(requestId: string): Promise<void> {
    if (!registry.has(requestId)) return;
    const current = await lifeCycle.find(db, requestId);
    if (!current) return;
    const claimed = current.state === 'WEB_READY' ? await lifeCycle.pageTakes(db, requestId) : undefined;
    const request = claimed ?? (current.state === 'WEB_READY' ? await lifeCycle.find(db, requestId) : current);
    const event = request && finalPageEvent(request);
    if (!event) return; // not ended yet: the pages keep waiting
    const streams = registry.take(requestId);
    if (claimed && streams.length === 0) {
      // Every page closed while the claim was made: the outcome was never shown, so it goes by SMS instead.
      await lifeCycle.pageVanished(db, requestId);
      return;
    }
    // The push to the page is the last step of the request's trace (stored with its outcome), whoever triggered it.
    await withRequestId(requestId, () =>
      continueTrace('deliver to page', request.traceContext, async (span) => {
        span.setAttribute('voucher.pages', streams.length);
        for (const stream of streams) {
          writeEvent(stream, event.name, event.data);
          stream.end();
        }
      }),
    );
    if (claimed) metrics.delivered('WEB', claimed.state === 'FAILED' ? 'failure' : 'code');
  };
}

export type OfferToPages = ReturnType<typeof createPageDelivery>;
