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

/** What the drain still waits for; all empty and the VPS quiet, the run is over. */
export interface StillOpen {
  notFinal: string[];
  /** Delivered, or handed a code by the VPS, and not stored by voucher-service yet. */
  notStored: string[];
  /** Stored with a code, and the gateway has not told the customer yet (a late code: FAILED, then texted). */
  notTold: string[];
  pagesWaiting: string[];
  vpsBusy: boolean;
}

export interface DrainView {
  ids: string[];
  statuses: ReadonlyMap<string, StatusRecord>;
  stored: ReadonlyMap<string, StoredRecord>;
  /** Requests whose open page has not had its final event. */
  pagesNotFinal: ReadonlySet<string>;
  /** Requests the bank took a code for from the VPS (VpsLedger.takenByBank). */
  takenByBank: ReadonlySet<string>;
  vpsBusy: boolean;
}

/**
 * What keeps the drain open. A request the gateway gave up on (FAILED) is final, but a code the VPS handed over for
 * it, or may still hand over (the VPS busy: calls held, callbacks owed), goes on to be stored and texted: the run is
 * over only once the VPS is quiet, every such code is stored and the gateway has told the customer every stored code.
 * Judged earlier, a late code stored a moment after the last read looked lost (chaos seed 10690).
 */
export function stillOpen(view: DrainView): StillOpen {
  const status = (id: string) => view.statuses.get(id)?.status ?? '';
  const isStored = (id: string) => view.stored.get(id)?.httpStatus === 200;
  const told = (id: string) => status(id) === 'DELIVERED' || status(id) === 'SENT_BY_SMS';
  return {
    notFinal: view.ids.filter((id) => !FINAL_STATUSES.has(status(id))),
    notStored: view.ids.filter((id) => (told(id) || view.takenByBank.has(id)) && !isStored(id)),
    notTold: view.ids.filter((id) => isStored(id) && Boolean(view.stored.get(id)?.voucherCode) && !told(id)),
    pagesWaiting: view.ids.filter((id) => FINAL_STATUSES.has(status(id)) && view.pagesNotFinal.has(id)),
    vpsBusy: view.vpsBusy,
  };
}

/** What the drain asks of the VPS side: whether it still holds work, and which requests the bank took a code for. */
export interface VpsProbes {
  busy(): Promise<boolean>;
  takenByBank(): ReadonlySet<string>;
}

/**
 * Waits, at most `boundMs`, until every accepted request is final at the gateway, voucher-service has stored the
 * outcome of every one the customer was given a code for or the bank took a code for, every open page has had its
 * final event, and the VPS is quiet (stillOpen). Then reads every request's state and stored outcome once more.
 */
export async function waitUntilFinal(
  purchases: Purchase[],
  urls: { gateway: string; voucher: string },
  vps: VpsProbes,
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
    // The VPS first: quiet now, it hands over no code after the reads below.
    const vpsBusy = await vps.busy();
    const takenByBank = vps.takenByBank();
    const view = (): DrainView => {
      const pagesNotFinal = new Set(accepted.filter((p) => p.page && !p.page.final).map((p) => p.requestId!));
      return { ids, statuses, stored, pagesNotFinal, takenByBank, vpsBusy };
    };
    await fetchStored(stillOpen(view()).notStored, urls.voucher, stored);
    const before = stillOpen(view());
    await fetchStatuses([...before.notFinal, ...before.notTold], urls.gateway, statuses);
    const open = stillOpen(view());
    const quiet = [open.notFinal, open.notStored, open.notTold, open.pagesWaiting].every((waiting) => waiting.length === 0);
    if (quiet && !open.vpsBusy) {
      settled = true;
      break;
    }
    if (Date.now() - started > boundMs) break;
    if (Date.now() - lastLog > 10_000) {
      lastLog = Date.now();
      log(
        `drain: ${open.notFinal.length} not final, ${open.notStored.length} not stored, ${open.notTold.length} not told, ` +
          `${open.pagesWaiting.length} pages without their event${open.vpsBusy ? ', the VPS still busy' : ''}`,
      );
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
