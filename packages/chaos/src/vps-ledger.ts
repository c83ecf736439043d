import { VPS_REQUEST_PATH } from '@voucher/contracts';
import { s256 } from '@voucher/platform/testing';
import type { Exchange } from './wiretap.ts';

/** A code the VPS handed to the bank for one request: in its answer (200) or in a genuine callback. */
export interface IssuedCode {
  requestId: string;
  voucherCode: string;
  via: 'answer' | 'callback';
  at: number;
  /** For an answer: it reached the integration service. For a callback: the bank's status (undefined: unreachable). */
  delivered: boolean;
  bankStatus?: number;
}

export interface ForgedCallback {
  at: number;
  voucherCode: string;
  bankStatus?: number;
}

const json = (buffer: Buffer | undefined): Record<string, unknown> | undefined => {
  try {
    const value: unknown = JSON.parse(buffer?.toString('utf8') ?? '');
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
};
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/**
 * What the VPS issued, seen on the wire between it and the bank: every code in a 200 answer, every challenge in a 202
 * (so that a callback's verifier names its request), and every callback, genuine or forged. It survives VPS restarts,
 * which wipe the simulator's own memory and counters.
 */
interface Callback {
  at: number;
  codeVerifier: string;
  voucherCode: string;
  bankStatus?: number;
}

/**
 * What the VPS issued, seen on the wire between it and the bank: every code in a 200 answer, every challenge in a 202
 * (so that a callback's verifier names its request), and every callback attempt, genuine or forged. It survives VPS
 * restarts, which wipe the simulator's own memory and counters. Callbacks are matched to challenges only when asked:
 * a callback can come before the wire saw its challenge (the integration service died while the VPS held its call,
 * and heard the challenge only when it asked again).
 */
export class VpsLedger {
  readonly #answers: IssuedCode[] = [];
  readonly #callbacks: Callback[] = [];
  readonly #challenges = new Map<string, string>();
  answers = 0;
  acknowledgements = 0;
  failedCalls = 0;

  /** An exchange on the integration service's calls to the VPS. */
  recordCall(exchange: Exchange): void {
    if (exchange.method !== 'POST' || !exchange.path.startsWith(VPS_REQUEST_PATH)) return;
    const requestId = text(json(exchange.requestBody)?.requestId);
    const body = json(exchange.responseBody);
    if (exchange.status === 200 && requestId && text(body?.voucherCode)) {
      this.answers++;
      this.#answers.push({
        requestId,
        voucherCode: text(body!.voucherCode)!,
        via: 'answer',
        at: exchange.at,
        delivered: exchange.delivered,
      });
    } else if (exchange.status === 202 && requestId && text(body?.codeChallenge)) {
      this.acknowledgements++;
      this.#challenges.set(`${text(body!.transformMethod) ?? 'S256'}:${text(body!.codeChallenge)}`, requestId);
    } else this.failedCalls++;
  }

  /** An exchange on the VPS's callbacks to the integration service. */
  recordCallback(exchange: Exchange): void {
    if (exchange.method !== 'POST') return;
    const body = json(exchange.requestBody);
    const codeVerifier = text(body?.codeVerifier);
    const voucherCode = text(body?.voucherCode);
    if (codeVerifier && voucherCode) this.#callbacks.push({ at: exchange.at, codeVerifier, voucherCode, bankStatus: exchange.status });
  }

  get callbacks(): number {
    return this.#callbacks.length;
  }

  #requestOf(callback: Callback): string | undefined {
    return this.#challenges.get(`S256:${s256(callback.codeVerifier)}`) ?? this.#challenges.get(`plain:${callback.codeVerifier}`);
  }

  /** Every code handed over: answers, and genuine callbacks (their verifier matches a challenge the VPS gave). */
  get issued(): IssuedCode[] {
    const callbacks = this.#callbacks.flatMap((callback): IssuedCode[] => {
      const requestId = this.#requestOf(callback);
      if (!requestId) return [];
      const { at, voucherCode, bankStatus } = callback;
      return [{ requestId, voucherCode, via: 'callback', at, delivered: bankStatus === 200, bankStatus }];
    });
    return [...this.#answers, ...callbacks];
  }

  /** Callback attempts whose verifier matches no challenge the VPS ever gave: the simulator's forgeries. */
  get forged(): ForgedCallback[] {
    return this.#callbacks
      .filter((callback) => !this.#requestOf(callback))
      .map(({ at, voucherCode, bankStatus }) => ({ at, voucherCode, bankStatus }));
  }

  /** The codes the VPS handed over for each request (a callback counts once it was sent, whatever the bank said). */
  codesByRequest(): Map<string, Set<string>> {
    const byRequest = new Map<string, Set<string>>();
    for (const code of this.issued) {
      if (code.via === 'answer' && !code.delivered) continue;
      const codes = byRequest.get(code.requestId) ?? new Set<string>();
      codes.add(code.voucherCode);
      byRequest.set(code.requestId, codes);
    }
    return byRequest;
  }

  /** Requests the bank took a code for: an answer that reached it, or a genuine callback it answered 200. */
  takenByBank(): Set<string> {
    return new Set(this.issued.filter((code) => code.delivered).map((code) => code.requestId));
  }

  /** How each code was handed over, for the report: "answer at +14.8 s", "8 callbacks +15.3…39.5 s, bank: none×8". */
  handover(loadStartedAt: number): Map<string, string> {
    const byCode = new Map<string, IssuedCode[]>();
    for (const code of this.issued) byCode.set(code.voucherCode, [...(byCode.get(code.voucherCode) ?? []), code]);
    const at = (ms: number) => `+${((ms - loadStartedAt) / 1000).toFixed(1)} s`;
    return new Map(
      [...byCode].map(([code, handovers]) => {
        const answers = handovers.filter((h) => h.via === 'answer');
        const callbacks = handovers.filter((h) => h.via === 'callback');
        const parts = answers.map((h) => `answer at ${at(h.at)}${h.delivered ? '' : ' (caller gone)'}`);
        if (callbacks.length > 0) {
          const statuses = new Map<string, number>();
          for (const h of callbacks)
            statuses.set(String(h.bankStatus ?? 'unreachable'), (statuses.get(String(h.bankStatus ?? 'unreachable')) ?? 0) + 1);
          parts.push(
            `${callbacks.length} callback(s) ${at(callbacks[0]!.at)}…${at(callbacks.at(-1)!.at)}, bank answered ` +
              [...statuses].map(([status, count]) => `${status}×${count}`).join(' '),
          );
        }
        return [code, parts.join(', ')];
      }),
    );
  }

  /** When each code was first handed over (epoch milliseconds). */
  firstHandover(): Map<string, number> {
    const first = new Map<string, number>();
    for (const code of this.issued) first.set(code.voucherCode, Math.min(first.get(code.voucherCode) ?? Infinity, code.at));
    return first;
  }

  /** Forged callbacks the bank answered 2xx: a code from an impostor was taken. Must be none. */
  forgedAccepted(): ForgedCallback[] {
    return this.forged.filter((callback) => callback.bankStatus !== undefined && callback.bankStatus >= 200 && callback.bankStatus < 300);
  }
}
