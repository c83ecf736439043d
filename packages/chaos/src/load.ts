import { setTimeout as sleep } from 'node:timers/promises';
import { normalizePhoneNumber } from '@voucher/contracts';
import { call } from './http.ts';
import type { ChaosOptions } from './options.ts';
import { CustomerPage } from './pages.ts';
import { uniformInteger, type Random } from '@voucher/platform/random';

/** One POST /voucher, as the customer's page saw it. */
export interface Attempt {
  startedAt: number;
  endedAt: number;
  /** HTTP status; 0 for a network error or a time-out. */
  status: number;
  error?: string;
  requestId?: string;
}

/** One purchase: one customer, one Idempotency-Key, as many attempts as it took. */
export interface Purchase {
  index: number;
  key: string;
  phoneNumber: string;
  e164: string;
  withPage: boolean;
  attempts: Attempt[];
  /** The first 202's request id. */
  requestId?: string;
  acceptedAt?: number;
  /** Why it was never accepted (a 4xx, or the customer gave up retrying). */
  gaveUp?: string;
  page?: CustomerPage;
}

/** A customer's page retries for this long before telling the customer to try later. */
const PURCHASE_PATIENCE_MS = 60_000;
/**
 * Longer than the gateway waits for the broker (PRODUCE_TIMEOUT_MS, 10 s), as the page (which sets no time-out) is:
 * an attempt then ends in the gateway's 202 or 503, not in the client giving up while its record may still go out.
 */
const ATTEMPT_TIMEOUT_MS = 15_000;

/** `count` distinct Vietnamese mobile numbers, the same for the same seed. */
export function customerNumbers(count: number, random: Random): string[] {
  const numbers = new Set<string>();
  while (numbers.size < count) numbers.add(`090${String(1_000_000 + uniformInteger(random, 0, 8_999_999))}`);
  return [...numbers];
}

const retryable = (status: number) => status === 0 || status === 409 || status === 429 || status >= 500;

/**
 * Buys once with an Idempotency-Key and, like the customer's page, retries with the same key on a 5xx, a 409 (the first
 * attempt still in progress or just failed), a 429 or a network error, honouring Retry-After (at most 5 s).
 */
async function buy(gatewayUrl: string, purchase: Purchase, elapsed: () => number, random: Random, signal: AbortSignal): Promise<void> {
  const giveUpAt = elapsed() + PURCHASE_PATIENCE_MS;
  for (let attempt = 1; ; attempt++) {
    const startedAt = elapsed();
    const answer = await call<{ requestId?: string }>('POST', `${gatewayUrl}/voucher?phoneNumber=${purchase.phoneNumber}`, {
      headers: { 'idempotency-key': purchase.key },
      timeoutMs: ATTEMPT_TIMEOUT_MS,
    });
    const record: Attempt = { startedAt, endedAt: elapsed(), status: answer.status, error: answer.error };
    if (answer.status === 202 && typeof answer.body?.requestId === 'string') record.requestId = answer.body.requestId;
    purchase.attempts.push(record);
    if (record.requestId) {
      purchase.requestId ??= record.requestId;
      purchase.acceptedAt ??= record.endedAt;
      return;
    }
    if (!retryable(answer.status)) {
      purchase.gaveUp = `answered ${answer.status}`;
      return;
    }
    const retryAfter = Number(answer.headers?.get('retry-after'));
    const backoff = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : 250 * 2 ** Math.min(attempt, 4);
    const wait = Math.min(backoff, 5_000) * (0.75 + random() / 2);
    if (elapsed() + wait > giveUpAt) {
      purchase.gaveUp = `still ${answer.status || answer.error} after ${attempt} attempts`;
      return;
    }
    await sleep(wait, undefined, { signal });
  }
}

export interface LoadDeps {
  gatewayUrl: string;
  elapsed: () => number;
  random: Random;
  signal: AbortSignal;
  log: (line: string) => void;
}

/** The run's purchases, drawn from the seed: who buys, with which key, and whether the page stays open. */
export function drawPurchases(options: ChaosOptions, numbers: string[], random: Random): Purchase[] {
  return Array.from({ length: options.requests }, (_, index) => {
    const phoneNumber = numbers[uniformInteger(random, 0, numbers.length - 1)]!;
    const normalized = normalizePhoneNumber(phoneNumber, 'VN');
    if (!normalized.ok) throw new Error(`${phoneNumber}: ${normalized.reason}`);
    return {
      index,
      key: `chaos-${options.seed}-${index}`,
      phoneNumber,
      e164: normalized.e164,
      withPage: random() < options.pageShare,
      attempts: [],
    };
  });
}

/**
 * Starts the purchases evenly over `seconds`, a share of them with the page's event stream open from the 202 on;
 * resolves once every purchase was accepted or given up (the pages keep listening).
 */
export async function runLoad(purchases: Purchase[], options: ChaosOptions, deps: LoadDeps): Promise<void> {
  const { random, elapsed, signal } = deps;
  const spacing = (options.seconds * 1000) / purchases.length;
  const jitter = purchases.map(() => random() * spacing);
  let progress = 0;
  await Promise.all(
    purchases.map(async (purchase, index) => {
      await sleep(Math.max(0, index * spacing + jitter[index]! - elapsed()), undefined, { signal });
      await buy(deps.gatewayUrl, purchase, elapsed, random, signal);
      if (purchase.requestId && purchase.withPage && !signal.aborted) purchase.page = new CustomerPage(deps.gatewayUrl, purchase.requestId);
      if (++progress % Math.max(1, Math.round(purchases.length / 10)) === 0) {
        const accepted = purchases.filter((p) => p.requestId).length;
        deps.log(`load: ${progress}/${purchases.length} purchases answered, ${accepted} accepted`);
      }
    }),
  );
}
