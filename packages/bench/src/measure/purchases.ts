import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { syntheticPhoneNumbers } from '@voucher/voucher-service/src/tools/seed-vouchers.ts';

export interface Purchase {
  requestId: string;
  /** When the bench sent the POST, and when the page (its event stream) had the code. */
  postedAtMs: number;
  shownAtMs: number;
}

export interface PurchaseRun {
  /** Purchases whose code reached their page. */
  shown: Purchase[];
  /** How many ended otherwise, by how: `POST <status>`, `event <name>` (sms, failed), `no event`, or the error's name. */
  notShown: Record<string, number>;
  /** Purchases started per second, first to last: below the rate asked when the bench's own process fell behind. */
  startedPerSec: number;
}

export interface PurchaseOptions {
  gatewayUrl: string;
  count: number;
  ratePerSec: number;
  /** How long one purchase may take from its POST to its code on the page. */
  timeoutMs: number;
}

// Customers of their own (the pipeline's other loads use the numbers from 9,000,000), so no rate limit is shared.
const phoneNumbers = syntheticPhoneNumbers(5_000, 8_000_000);

/** The one final event of a request's stream (the stream ends after it): its name, or undefined when none came. */
function finalEvent(stream: string): string | undefined {
  return /^event: (\w+)$/m.exec(stream)?.[1];
}

/** One customer's purchase as the web page makes it: POST with an Idempotency-Key, then the request's event stream. */
async function buyOne(options: PurchaseOptions, index: number): Promise<Purchase | string> {
  const postedAtMs = Date.now();
  const signal = AbortSignal.timeout(options.timeoutMs);
  try {
    const accepted = await fetch(`${options.gatewayUrl}/voucher`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
      body: JSON.stringify({ phoneNumber: phoneNumbers[index % phoneNumbers.length] }),
      signal,
    });
    if (accepted.status !== 202) return `POST ${accepted.status}`;
    const { requestId } = (await accepted.json()) as { requestId: string };
    const events = await fetch(`${options.gatewayUrl}/voucher/requests/${requestId}/events`, {
      headers: { accept: 'text/event-stream' },
      signal,
    });
    if (events.status !== 200) return `events ${events.status}`;
    const event = finalEvent(await events.text());
    if (event === 'voucher') return { requestId, postedAtMs, shownAtMs: Date.now() };
    return event ? `event ${event}` : 'no event';
  } catch (error) {
    return (error as Error).name;
  }
}

/**
 * Buys `count` codes through the gateway at `ratePerSec`, each as a customer's page does (the POST, then its event
 * stream open until the code arrives), started on schedule whether or not earlier ones have finished (an open loop:
 * customers do not wait for each other).
 */
export async function buyPaced(options: PurchaseOptions): Promise<PurchaseRun> {
  const started = Date.now();
  const purchases: Array<Promise<Purchase | string>> = [];
  for (let index = 0; index < options.count; index++) {
    await sleep(Math.max(0, started + (index * 1000) / options.ratePerSec - Date.now()));
    purchases.push(buyOne(options, index));
  }
  const startingMs = Date.now() - started;
  const shown: Purchase[] = [];
  const notShown: Record<string, number> = {};
  for (const ended of await Promise.all(purchases)) {
    if (typeof ended === 'string') notShown[ended] = (notShown[ended] ?? 0) + 1;
    else shown.push(ended);
  }
  const startedPerSec = startingMs > 0 ? Math.round(((options.count - 1) * 1000) / startingMs) : options.ratePerSec;
  return { shown, notShown, startedPerSec };
}
