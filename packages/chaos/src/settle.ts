import { setTimeout as sleep } from 'node:timers/promises';
import { VOUCHER_SERVICE_TOKEN } from './environment.ts';
import { call, eachLimited } from './http.ts';
import type { Purchase } from './load.ts';

/** GET /voucher/requests/{id} on the gateway (`httpStatus` 0: no answer). */
export interface StatusRecord {
  httpStatus: number;
  status?: string;
  voucherCode?: string;
  message?: string;
}

/** GET /api/vouchers/{id} on voucher-service. */
export interface StoredRecord {
  httpStatus: number;
  phoneNumber?: string;
  voucherCode?: string | null;
  status?: string;
  channel?: string;
}

export const FINAL_STATUSES = new Set(['DELIVERED', 'SENT_BY_SMS', 'FAILED']);

export interface Settled {
  statuses: Map<string, StatusRecord>;
  stored: Map<string, StoredRecord>;
  /** How long the wait took, and whether everything settled within the bound. */
  waitedMs: number;
  settled: boolean;
}

async function fetchStatuses(ids: string[], gatewayUrl: string, into: Map<string, StatusRecord>): Promise<void> {
  await eachLimited(ids, 24, async (id) => {
    const answer = await call<StatusRecord>('GET', `${gatewayUrl}/voucher/requests/${id}`);
    into.set(id, { ...answer.body, httpStatus: answer.status });
  });
}

async function fetchStored(ids: string[], voucherUrl: string, into: Map<string, StoredRecord>): Promise<void> {
  await eachLimited(ids, 24, async (id) => {
    const answer = await call<StoredRecord>('GET', `${voucherUrl}/api/vouchers/${id}`, {
      headers: { authorization: `Bearer ${VOUCHER_SERVICE_TOKEN}` },
    });
    into.set(id, { ...answer.body, httpStatus: answer.status });
  });
}

/**
 * Waits, at most `boundMs`, until every accepted request is final at the gateway, voucher-service has stored the
 * outcome of every one the customer was given a code for, and every open page has had its final event. Then reads
 * every request's state and stored outcome once more.
 */
export async function waitUntilFinal(
  purchases: Purchase[],
  urls: { gateway: string; voucher: string },
  boundMs: number,
  signal: AbortSignal,
  log: (line: string) => void,
): Promise<Settled> {
  const accepted = purchases.filter((purchase) => purchase.requestId);
  const ids = accepted.map((purchase) => purchase.requestId!);
  const statuses = new Map<string, StatusRecord>();
  const stored = new Map<string, StoredRecord>();
  const started = Date.now();
  let lastLog = started;
  let settled = false;
  for (;;) {
    const open = ids.filter((id) => !FINAL_STATUSES.has(statuses.get(id)?.status ?? ''));
    await fetchStatuses(open, urls.gateway, statuses);
    const unstored = ids.filter((id) => FINAL_STATUSES.has(statuses.get(id)?.status ?? '') && stored.get(id)?.httpStatus !== 200);
    await fetchStored(unstored, urls.voucher, stored);
    const notFinal = ids.filter((id) => !FINAL_STATUSES.has(statuses.get(id)?.status ?? ''));
    const notStored = ids.filter(
      (id) => /DELIVERED|SENT_BY_SMS/.test(statuses.get(id)?.status ?? '') && stored.get(id)?.httpStatus !== 200,
    );
    const pagesWaiting = accepted.filter((p) => p.page && !p.page.final && FINAL_STATUSES.has(statuses.get(p.requestId!)?.status ?? ''));
    if (notFinal.length === 0 && notStored.length === 0 && pagesWaiting.length === 0) {
      settled = true;
      break;
    }
    if (Date.now() - started > boundMs) break;
    if (Date.now() - lastLog > 10_000) {
      lastLog = Date.now();
      log(`drain: ${notFinal.length} not final, ${notStored.length} not stored, ${pagesWaiting.length} pages without their event`);
    }
    await sleep(1_000, undefined, { signal });
  }
  const waitedMs = Date.now() - started;
  // One last complete read: a request the gateway gave up on (FAILED) may still have been sent its code since.
  statuses.clear();
  await fetchStatuses(ids, urls.gateway, statuses);
  await fetchStored(ids, urls.voucher, stored);
  return { statuses, stored, waitedMs, settled };
}
