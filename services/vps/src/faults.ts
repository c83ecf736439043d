import type { Random } from '@voucher/platform/random';

export interface FaultSettings {
  /** Fraction of voucher requests answered 500. */
  errorRate: number;
  /** Fraction of voucher requests never answered: held open, then the connection is dropped. */
  timeoutRate: number;
  /** Fraction of acknowledged requests whose callback is sent twice. */
  duplicateCallbackRate: number;
  /** Fraction of acknowledged requests for which an extra callback with a wrong verifier is sent. */
  forgedCallbackRate: number;
  /** The next N voucher requests answer 500, whatever the rates say: deterministic failures for tests. */
  failNext: number;
}

/** What happens to one incoming voucher request. */
export type RequestFault = 'none' | 'error' | 'timeout';

/** The extra callbacks one acknowledged request gets. */
export interface CallbackFaults {
  duplicate: boolean;
  forged: boolean;
}

/** The fault-injection switches, changed at run time through /admin/faults. */
export class Faults {
  #settings: FaultSettings;
  readonly #random: Random;

  constructor(initial: FaultSettings, random: Random) {
    this.#settings = { ...initial };
    this.#random = random;
  }

  get settings(): FaultSettings {
    return { ...this.#settings };
  }

  /** Changes the given fields and keeps the others. */
  update(changes: Partial<FaultSettings>): FaultSettings {
    this.#settings = { ...this.#settings, ...changes };
    return this.settings;
  }

  forRequest(): RequestFault {
    if (this.#settings.failNext > 0) {
      this.#settings.failNext--;
      return 'error';
    }
    if (this.#happens(this.#settings.errorRate)) return 'error';
    return this.#happens(this.#settings.timeoutRate) ? 'timeout' : 'none';
  }

  forCallback(): CallbackFaults {
    return { duplicate: this.#happens(this.#settings.duplicateCallbackRate), forged: this.#happens(this.#settings.forgedCallbackRate) };
  }

  #happens(rate: number): boolean {
    return rate > 0 && this.#random() < rate;
  }
}
