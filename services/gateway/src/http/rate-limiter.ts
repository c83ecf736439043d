/**
 * A fixed-window request counter per client address, in memory (each replica counts its own share). The table is
 * dropped at every window boundary, so it never holds more than one minute's worth of addresses.
 */
export class FixedWindowRateLimiter {
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #now: () => number;
  #window = -1;
  #counts = new Map<string, number>();

  constructor(limit: number, windowMs = 60_000, now: () => number = Date.now) {
    this.#limit = limit;
    this.#windowMs = windowMs;
    this.#now = now;
  }

  /** Counts one request; returns the seconds to wait when the address is over its limit, else undefined. */
  hit(address: string): number | undefined {
    const now = this.#now();
    const window = Math.floor(now / this.#windowMs);
    if (window !== this.#window) {
      this.#window = window;
      this.#counts = new Map();
    }
    const count = (this.#counts.get(address) ?? 0) + 1;
    this.#counts.set(address, count);
    if (count <= this.#limit) return undefined;
    return Math.max(1, Math.ceil(((window + 1) * this.#windowMs - now) / 1000));
  }
}
