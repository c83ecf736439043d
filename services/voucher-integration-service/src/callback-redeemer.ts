import { challengesMatch, transform } from './pkce.ts';
import { receiveCodeMessage } from './outcomes.ts';
import type { OutcomePublisher } from './receive-code-publisher.ts';
import type { RequestStore } from './store/request-store.ts';

/** A VPS callback whose shape has already been checked. */
export interface VpsCallback {
  codeVerifier: string;
  status: 'SUCCESS' | 'LATE_SUCCESS';
  voucherCode: string;
}

export type RedeemResult = { outcome: 'accepted'; requestId: string } | { outcome: 'unknown' | 'replayed' | 'expired' };

/**
 * Redeems a callback against the pending challenge it proves (PKCE): in one transaction the challenge's row is
 * locked, checked unused and unexpired, the code published and the row marked used. A publish failure throws and
 * rolls everything back, so the VPS's retry can still redeem it: the code is neither lost nor published twice.
 */
export async function redeemCallback(
  store: RequestStore,
  publisher: OutcomePublisher,
  callback: VpsCallback,
  now = new Date(),
): Promise<RedeemResult> {
  const candidates = { S256: transform(callback.codeVerifier, 'S256'), plain: transform(callback.codeVerifier, 'plain') };
  return store.transaction(async (tx) => {
    const row = await store.lockChallenge(tx, candidates);
    if (!row || !challengesMatch(row.codeChallenge, candidates[row.transformMethod])) return { outcome: 'unknown' };
    if (row.redeemedAt) return { outcome: 'replayed' };
    if (row.state !== 'PENDING' || row.expiresAt.getTime() < now.getTime()) return { outcome: 'expired' };
    await publisher.publish([receiveCodeMessage(row, callback.status, callback.voucherCode, now)]);
    await store.markRedeemed(tx, row.requestId, callback.status, now);
    return { outcome: 'accepted', requestId: row.requestId };
  });
}
