import type { Database } from '@voucher/platform/database';
import type { Logger } from '@voucher/platform/logging';

const CHANNEL = 'voucher_ready';

/**
 * Cross-replica word that a request changed (a code or a failure is ready for a page, or a replica has told the
 * customer), carried by PostgreSQL NOTIFY on `voucher_ready` with the request id. Every replica listens: the one
 * holding the page offers it the outcome, and a replica waiting to fall back to SMS wakes up to look again.
 */
export class ReadySignal {
  readonly #db: Database;
  readonly #logger: Logger;
  readonly #waiters = new Map<string, Set<() => void>>();
  #unlisten: (() => Promise<void>) | undefined;

  constructor(db: Database, logger: Logger) {
    this.#db = db;
    this.#logger = logger;
  }

  /** Starts listening; `onChange` runs for every signal, on every replica. */
  async listen(onChange: (requestId: string) => Promise<void>): Promise<void> {
    this.#unlisten = await this.#db.listen(CHANNEL, (requestId) => {
      this.#wake(requestId);
      onChange(requestId).catch((error) => this.#logger.error({ err: error, requestId }, 'offering an outcome to a page failed'));
    });
  }

  async notify(requestId: string): Promise<void> {
    await this.#db.query('SELECT pg_notify($1, $2)', [CHANNEL, requestId]);
  }

  /** Resolves on the next signal for this request, or after `timeoutMs`. */
  waitForChange(requestId: string, timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      let waiters = this.#waiters.get(requestId);
      if (!waiters) this.#waiters.set(requestId, (waiters = new Set()));
      const done = () => {
        clearTimeout(timer);
        waiters.delete(done);
        if (waiters.size === 0 && this.#waiters.get(requestId) === waiters) this.#waiters.delete(requestId);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      waiters.add(done);
    });
  }

  async close(): Promise<void> {
    for (const waiters of [...this.#waiters.values()]) for (const wake of [...waiters]) wake();
    await this.#unlisten?.();
  }

  #wake(requestId: string): void {
    for (const wake of [...(this.#waiters.get(requestId) ?? [])]) wake();
  }
}
