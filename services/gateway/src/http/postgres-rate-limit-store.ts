import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import { Batcher } from '@voucher/platform/batching';
import type { Queryable } from '@voucher/platform/database';
import type { Logger } from '@voucher/platform/logging';

export interface Hit {
  /** The caller's hits in this window, this one included. */
  current: number;
  /** Milliseconds until the window ends and the count starts again. */
  ttl: number;
}

interface Pending {
  key: string;
  windowStart: number;
  windowMs: number;
}

/**
 * Request counts in fixed windows, in PostgreSQL (table rate_limit_hits), so that every replica counts against the
 * same allowance. Hits that arrive while a round trip is in flight share the next one, and each key's row is updated
 * once per round trip however many hits it carries, so a busy key costs neither a statement per request nor a queue
 * of row locks. Ended windows are deleted by the security housekeeping (expires_at).
 */
export class PostgresHitCounter {
  readonly #db: Queryable;
  readonly #now: () => number;
  readonly #batcher: Batcher<Pending, number>;

  constructor(db: Queryable, now: () => number = Date.now) {
    this.#db = db;
    this.#now = now;
    this.#batcher = new Batcher((items) => this.#flush(items), { maxBatch: 1_000, maxInFlight: 2 });
  }

  /** Counts one hit on `key` in the current window of `windowMs`. */
  async hit(key: string, windowMs: number): Promise<Hit> {
    const now = this.#now();
    const windowStart = Math.floor(now / windowMs) * windowMs;
    const current = await this.#batcher.add({ key, windowStart, windowMs });
    return { current, ttl: Math.max(1, windowStart + windowMs - now) };
  }

  /** Resolves once no hit is waiting for the database (before the pool closes). */
  drained(): Promise<void> {
    return this.#batcher.drained();
  }

  async #flush(items: Pending[]): Promise<number[]> {
    const groups = new Map<string, { key: string; windowStart: number; windowMs: number; hits: number }>();
    const groupOf = (item: Pending) => `${item.windowStart}\u0000${item.key}`;
    for (const item of items) {
      const group = groups.get(groupOf(item));
      if (group) group.hits++;
      else groups.set(groupOf(item), { ...item, hits: 1 });
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
    );
    // Each group's hits take the last numbers of its new total, in the order they arrived.
    const next = new Map<string, number>();
    for (const total of totals) {
      const group = `${new Date(total.window_start).getTime()}\u0000${total.key}`;
      next.set(group, total.hits - groups.get(group)!.hits + 1);
    }
    return items.map((item) => {
      const group = groupOf(item);
      const current = next.get(group)!;
      next.set(group, current + 1);
      return current;
    });
  }
}

/**
 * The store interface of @fastify/rate-limit over a PostgresHitCounter. A database failure is logged and passed on;
 * the plugin then lets the request through (skipOnError), since a request that needs the database fails anyway.
 */
export function postgresRateLimitStore(counter: PostgresHitCounter, logger: Logger): FastifyRateLimitStoreCtor {
  return class PostgresRateLimitStore implements FastifyRateLimitStore {
    incr(key: string, callback: (error: Error | null, result?: Hit) => void, timeWindow: number): void {
      counter.hit(key, timeWindow).then(
        (hit) => callback(null, hit),
        (error: Error) => {
          logger.warn({ err: error }, 'the rate limit could not be counted; letting the request through');
          callback(error);
        },
      );
    }

    /** Routes with their own limits count in the same table; their keys carry the route (groupId) where needed. */
    child(): FastifyRateLimitStore {
      return this;
    }
  };
}
