import type { Database } from '@voucher/platform/database';
import { finalPageEvent } from '../requests/customer-view.ts';
import { requestStore } from '../requests/request-store.ts';
import { awaitsNotification } from '../requests/voucher-request.ts';
import type { GatewayMetrics } from '../metrics.ts';
import type { ReadySignal } from './ready-signal.ts';
import type { SendBySms } from './sms-delivery.ts';
import { writeEvent } from './sse.ts';
import type { StreamRegistry } from './stream-registry.ts';

export interface PageDeliveryDeps {
  db: Database;
  registry: StreamRegistry;
  metrics: GatewayMetrics;
  signal: ReadySignal;
  sendBySms: SendBySms;
}

/**
 * Gives a request's outcome to the pages waiting for it on this replica. The claim is one conditional UPDATE, so
 * when several replicas (or the SMS fallback) race, exactly one tells the customer; the others then only report
 * what happened ("sent by SMS").
 */
export function createPageDelivery({ db, registry, metrics, signal, sendBySms }: PageDeliveryDeps) {
  return async function offerToPages(requestId: string): Promise<void> {
    if (!registry.has(requestId)) return;
    // Read first: a page usually connects while its request is still processing, and then one query is enough.
    const current = await requestStore.find(db, requestId);
    if (!current) return;
    const claimed = awaitsNotification(current) ? await requestStore.claimForPage(db, requestId) : undefined;
    const request = claimed ?? (awaitsNotification(current) ? await requestStore.find(db, requestId) : current);
    const event = request && finalPageEvent(request);
    if (!event) return; // still processing: the pages keep waiting
    const streams = registry.take(requestId);
    if (claimed && streams.length === 0) {
      // Every page closed while the claim was made: give the outcome back, and it goes by SMS instead.
      await requestStore.releasePageClaim(db, requestId);
      return sendBySms(requestId);
    }
    for (const stream of streams) {
      writeEvent(stream, event.name, event.data);
      stream.end();
    }
    if (claimed) {
      metrics.delivered('WEB', claimed.state === 'FAILED' ? 'failure' : 'code');
      await signal.notify(requestId); // wakes the replica waiting to fall back to SMS
    }
  };
}

export type OfferToPages = ReturnType<typeof createPageDelivery>;
