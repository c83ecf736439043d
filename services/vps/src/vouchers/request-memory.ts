/**
 * What the simulator remembers per requestId, so that a retry gets the first outcome instead of a second code. Bounded
 * by age and by count: entries are kept in arrival order (a Map iterates in insertion order), so the oldest are
 * always at the front and expiring them never needs a timer or a scan.
 */
export class RequestMemory<T> {
  readonly #entries = new Map<string, { storedAt: number; value: T }>();
  readonly #ttlMs: number;
  readonly #maxEntries: number;

  constructor(ttlMs: number, maxEntries: number) {
    this.#ttlMs = ttlMs;
    this.#maxEntries = maxEntries;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: string): T | undefined {
    this.#expire();
    return this.#entries.get(key)?.value;
  }

  set(key: string, value: T): void {
    this.#entries.delete(key);
    this.#entries.set(key, { storedAt: Date.now(), value });
    this.#expire();
  }

  #expire(): void {
    const oldestAllowed = Date.now() - this.#ttlMs;
    for (const [key, entry] of this.#entries) {
      if (entry.storedAt > oldestAllowed && this.#entries.size <= this.#maxEntries) return;
      this.#entries.delete(key);
    }
  }
}
