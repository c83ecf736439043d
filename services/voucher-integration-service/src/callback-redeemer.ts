import type { VoucherStatus } from '@voucher/contracts';
import { continueTrace, withRequestId } from '@voucher/platform/telemetry';
import { digestsForVerifier } from './pkce.ts';
import type { RequestStore } from './store/request-store.ts';

/** A VPS callback whose shape has already been checked. */
export interface VpsCallback {
  codeVerifier: string;
  status: 'SUCCESS' | 'LATE_SUCCESS';
  voucherCode: string;
}

/**
 * `accepted`: the outcome is recorded (`status` is what was recorded: the callback's, or FAILED when its code belongs
 * to another request). `unknown`: the verifier matches no challenge and none can be on its way (403, final).
 * `not-yet-known`: it matches none yet, but a call to the VPS is outstanding whose challenge may be about to be stored
 * (503, the VPS retries).
 */
export type RedeemResult =
  { outcome: 'accepted'; requestId: string; status: VoucherStatus } | { outcome: 'unknown' | 'not-yet-known' | 'replayed' | 'expired' };

/**
 * Redeems a callback against the pending challenge it proves (PKCE): in one transaction the challenge's row is
 * locked, checked unused and still waiting, the outcome recorded with its receive-code record in the outbox, and the
 * challenge marked used. Nothing here waits on the broker: once this commits the outcome is durable, and the outbox
 * relay publishes it (at once, or once the broker is back). A database failure rolls everything back, so the VPS's
 * retry can still redeem it. A challenge whose wait ran out is still redeemable until the sweep has ended its request
 * FAILED.
 */
export async function redeemCallback(store: RequestStore, callback: VpsCallback, now = new Date()): Promise<RedeemResult> {
  // Looked up by the digests of the challenges the verifier gives: the index compares digests, never the secret itself.
  const candidates = digestsForVerifier(callback.codeVerifier);
  // A forged verifier matches nothing: answered from one non-locking statement, without a transaction or a row lock.
  const lookup = await store.challengeLookup(candidates);
  if (lookup !== 'stored') return { outcome: lookup === 'outstanding' ? 'not-yet-known' : 'unknown' };
  return store.transaction(async (tx) => {
    const row = await store.lockChallenge(tx, candidates);
    if (!row) {
      return { outcome: (await store.mayStillBeStored(tx, candidates)) ? 'not-yet-known' : 'unknown' };
    }
    if (row.redeemedAt) return { outcome: 'replayed' };
    if (row.state !== 'PENDING') return { outcome: 'expired' };
    // The callback joins the trace of the request-code handling that stored the challenge (a child of it), linked to the
    // callback's own HTTP span (in whatever trace the VPS sent); the outbox record it writes continues this span.
    const recorded = await withRequestId(row.requestId, () =>
      continueTrace('redeem VPS callback', row.traceContext, () => store.redeem(tx, row, callback.status, callback.voucherCode, now)),
    );
    return { outcome: 'accepted', requestId: row.requestId, status: recorded.status };
  });
}
