export interface SmsFaultSettings {
  /** The next N sends fail: deterministic failures for tests. */
  failNext: number;
  /** Fraction of the other sends that fail. */
  errorRate: number;
}

/** Makes sends fail with 503 so that callers' retries can be tested; changed at run time through /admin/faults. */
export class SmsFaults {
  #settings: SmsFaultSettings;

  constructor(initial: SmsFaultSettings) {
    this.#settings = { ...initial };
  }

  get settings(): SmsFaultSettings {
    return { ...this.#settings };
  }

  update(changes: Partial<SmsFaultSettings>): SmsFaultSettings {
    this.#settings = { ...this.#settings, ...changes };
    return this.settings;
  }

  /** Whether this send fails; consumes one of `failNext`. */
  nextSendFails(): boolean {
    if (this.#settings.failNext > 0) {
      this.#settings.failNext--;
      return true;
    }
    return this.#settings.errorRate > 0 && Math.random() < this.#settings.errorRate;
  }
}
