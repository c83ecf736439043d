import { Batcher } from '@voucher/platform/batching';
import type { Queryable } from '@voucher/platform/database';

interface Pending {
  key: string;
  windowStart: number;
  windowMs: number;
  hits: number;
}

/**
 * Request counts in fixed windows, in PostgreSQL (table rate_limit_hits), where every replica adds its hits to the
 * same total. Adds that arrive while a round trip is in flight share the next one, and each key's row is updated once
 * per round trip however many adds it carries, so a busy key costs neither a statement per add nor a queue of row
 * locks. Ended windows are deleted by the security housekeeping (expires_at). SharedHitCounter sits in front of it.
 */
export class PostgresHitCounter {
  readonly #db: Queryable;
  readonly #batcher: Batcher<Pending, number>;

  constructor(db: Queryable) {
    this.#db = db;
    this.#batcher = new Batcher((items) => this.#flush(items), { maxBatch: 1_000, maxInFlight: 2 });
  }

  /** Adds `hits` to `key`'s window starting at `windowStart`; resolves to the window's total with them. */
  add(key: string, windowStart: number, windowMs: number, hits: number): Promise<number> {
    return this.#batcher.add({ key, windowStart, windowMs, hits });
  }

  /** Resolves once no add is waiting for the database (before the pool closes). */
  drained(): Promise<void> {
    return this.#batcher.drained();
  }

  async #flush(items: Pending[]): Promise<number[]> {
    const groups = new Map<string, Pending>();
    const groupOf = (item: Pending) => `${item.windowStart}\u0000${item.key}`;
    for (const item of items) {
      const group = groups.get(groupOf(item));
      if (group) group.hits += item.hits;
      else groups.set(groupOf(item), { ...item });
    }
    // Rows are locked in one order by every replica (key, then window), so two round trips never wait on each other in a cycle.
    const rows = [...groups.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.windowStart - b.windowStart));
    const totals = await this.#db.query<{ key: string; window_start: Date; hits: number }>(
      `INSERT INTO rate_limit_hits (key, window_start, hits, expires_at)
       SELECT key, window_start, hits, expires_at
       FROM unnest($1::text[], $2::timestamptz[], $3::int[], $4::timestamptz[]) WITH ORDINALITY AS t(key, window_start, hits, expires_at, n)
       ORDER BY n
       ON CONFLICT (key, window_start) DO UPDATE SET hits = rate_limit_hits.hits + EXCLUDED.hits
       RETURNING key, window_start, hits`,
      [
        rows.map((row) => row.key),
        rows.map((row) => new Date(row.windowStart)),
        rows.map((row) => row.hits),
        rows.map((row) => new Date(row.windowStart + row.windowMs)),
      ],
      { prepare: true },
    );
    // Each add gets the total as it stood just after its own hits, in the order the adds arrived.
    const before = new Map<string, number>();
    for (const total of totals) {
      const group = `${new Date(total.window_start).getTime()}\u0000${total.key}`;
      before.set(group, total.hits - groups.get(group)!.hits);
    }
    return items.map((item) => {
      const running = before.get(groupOf(item))! + item.hits;
      before.set(groupOf(item), running);
      return running;
    });
  }
}
