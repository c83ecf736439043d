export interface BatcherOptions {
  /** Items handed to one flush at most. */
  maxBatch: number;
  /**
   * Flushes running at once (default 1); items added meanwhile wait and go together into the next flush. One at a time
   * makes each round trip carry twice what two would: on the bench's machine a write that wakes the database or the
   * broker costs more CPU than the rows it carries (DECISIONS.md, issue 14).
   */
  maxInFlight: number;
}

interface Pending<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (error: Error) => void;
}

/**
 * Adaptive batching without linger: items added in the same tick, or while `maxInFlight` flushes are running, are
 * flushed together. A quiet caller pays one round trip per item; a busy one shares each round trip among many.
 * `flush` answers one result per item, in order. If a batch of several items throws, each item is flushed again on its
 * own, so that one item the store refuses (a value PostgreSQL rejects, say) fails alone instead of failing everything
 * that happened to share its round trip.
 */
export class Batcher<T, R = void> {
  readonly #flushBatch: (items: T[]) => Promise<R[]>;
  readonly #options: BatcherOptions;
  #queue: Array<Pending<T, R>> = [];
  #inFlight = 0;
  #scheduled = false;
  #idle: Array<() => void> = [];

  constructor(flush: (items: T[]) => Promise<R[]>, options: Partial<BatcherOptions> = {}) {
    this.#flushBatch = flush;
    this.#options = { maxBatch: options.maxBatch ?? 500, maxInFlight: options.maxInFlight ?? 1 };
  }

  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      this.#schedule();
    });
  }

  get pending(): number {
    return this.#queue.length + this.#inFlight;
  }

  /** Resolves once nothing is queued or running. */
  drained(): Promise<void> {
    return this.pending === 0 ? Promise.resolve() : new Promise((resolve) => this.#idle.push(resolve));
  }

  #flushEachAlone(batch: Array<Pending<T, R>>): Promise<void> {
    return Promise.all(
      batch.map((pending) =>
        this.#flushBatch([pending.item]).then(
          (results) => pending.resolve(results[0] as R),
          (error: Error) => pending.reject(error),
        ),
      ),
    ).then(() => undefined);
  }

  #schedule(): void {
    if (this.#scheduled || this.#inFlight >= this.#options.maxInFlight) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#run();
    });
  }

  #run(): void {
    while (this.#queue.length > 0 && this.#inFlight < this.#options.maxInFlight) {
      const batch = this.#queue.splice(0, this.#options.maxBatch);
      this.#inFlight++;
      this.#flushBatch(batch.map((pending) => pending.item))
        .then(
          (results) => batch.forEach((pending, index) => pending.resolve(results[index] as R)),
          (error: Error) => (batch.length === 1 ? batch[0]!.reject(error) : this.#flushEachAlone(batch)),
        )
        .finally(() => {
          this.#inFlight--;
          if (this.#queue.length > 0) this.#schedule();
          else if (this.#inFlight === 0) this.#idle.splice(0).forEach((resolve) => resolve());
        });
    }
  }
}
