import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import { startPeriodicTask, type PeriodicTask } from '@voucher/platform/lifecycle';
import type { Logger } from '@voucher/platform/logging';
import type { PostgresHitCounter } from './postgres-rate-limit-store.ts';

export interface Hit {
  /** The caller's hits in this window, this one included, as far as this replica knows. */
  current: number;
  /** Milliseconds until the window ends and the count starts again. */
  ttl: number;
}

/** One key's count in its current window, as this replica knows it. */
interface WindowCount {
  windowStart: number;
  windowMs: number;
  /** The shared total at the last round trip: every replica's hits that had reached the database. */
  shared: number;
  /** Hits counted here that are on their way to the database. */
  syncing: number;
  /** Hits counted here since. */
  unsynced: number;
  /** The window's first round trip; until it is back, this replica does not know the others' count. */
  joined: Promise<void>;
  isJoined: boolean;
}

export interface SharedHitCounterOptions {
  now: () => number;
  /** How often the hits counted here are added to the shared total (and the others' learnt). */
  syncMs: number;
  logger: Logger;
}

/**
 * Counts hits per key in fixed windows, shared by the replicas through PostgreSQL without a round trip per request:
 * the first hit on a key in a window waits for the shared total (so no replica starts a window from zero), later hits
 * far below the allowance are counted here and added to the shared total every `syncMs`, and hits near it go to the
 * database at once. Across replicas a burst can overrun the allowance by what the others counted since their last
 * sync, at most half of it per replica (DECISIONS.md).
 */
export class SharedHitCounter {
  readonly #store: PostgresHitCounter;
  readonly #now: () => number;
  readonly #counts = new Map<string, WindowCount>();
  readonly #sync: PeriodicTask;

  constructor(store: PostgresHitCounter, options: SharedHitCounterOptions) {
    this.#store = store;
    this.#now = options.now;
    this.#sync = startPeriodicTask('rate-limit sync', options.syncMs, () => this.sync().then(() => false), options.logger, {
      runOnClose: true,
    });
  }

  /**
   * Counts one hit on `key` whose allowance is `max` a window. Far below it (this replica's view under half of `max`)
   * the hit is counted here; nearer, it goes to the database at once with whatever is still counted here, so the
   * decisions that refuse someone are taken on the shared total.
   */
  async hit(key: string, windowMs: number, max: number): Promise<Hit> {
    const now = this.#now();
    const windowStart = Math.floor(now / windowMs) * windowMs;
    const ttl = Math.max(1, windowStart + windowMs - now);
    const count = this.#counts.get(key);
    if (count?.windowStart !== windowStart) return { current: await this.#join(key, windowStart, windowMs), ttl };
    const ordinal = ++count.unsynced;
    if (!count.isJoined) await count.joined; // resumes before any sync can move its hit on
    const current = count.shared + count.syncing + ordinal;
    if (current * 2 <= max) return { current, ttl };
    await this.#add(key, count);
    return { current: Math.max(current, count.shared), ttl };
  }

  /** Adds every hit counted here to the shared totals now, and forgets windows that have ended. */
  async sync(): Promise<void> {
    const now = this.#now();
    const adds: Promise<void>[] = [];
    for (const [key, count] of this.#counts) {
      if (count.windowStart + count.windowMs <= now) this.#counts.delete(key);
      else if (count.isJoined && count.unsynced > 0) adds.push(this.#add(key, count));
    }
    await Promise.all(adds);
  }

  /** Adds what is still counted here, then stops (before the pool closes). */
  async close(): Promise<void> {
    await this.#sync.close();
    await this.#store.drained();
  }

  async #join(key: string, windowStart: number, windowMs: number): Promise<number> {
    let total = 0;
    const count: WindowCount = { windowStart, windowMs, shared: 0, syncing: 0, unsynced: 0, isJoined: false, joined: Promise.resolve() };
    count.joined = this.#store.add(key, windowStart, windowMs, 1).then(
      (shared) => {
        total = shared;
        Object.assign(count, { shared, isJoined: true });
      },
      (error: unknown) => {
        if (this.#counts.get(key) === count) this.#counts.delete(key);
        throw error;
      },
    );
    this.#counts.set(key, count);
    await count.joined;
    return total;
  }

  async #add(key: string, count: WindowCount): Promise<void> {
    const hits = count.unsynced;
    count.unsynced = 0;
    count.syncing += hits;
    try {
      count.shared = await this.#store.add(key, count.windowStart, count.windowMs, hits);
    } catch (error) {
      count.unsynced += hits; // counted again at the next sync
      throw error;
    } finally {
      count.syncing -= hits;
    }
  }
}

/**
 * The store interface of @fastify/rate-limit over a SharedHitCounter. A database failure is logged and passed on; the
 * plugin then lets the request through (skipOnError), since a request that needs the database fails anyway.
 */
export function sharedRateLimitStore(counter: SharedHitCounter, logger: Logger): FastifyRateLimitStoreCtor {
  return class SharedRateLimitStore implements FastifyRateLimitStore {
    incr(key: string, callback: (error: Error | null, result?: Hit) => void, timeWindow: number, max: number): void {
      counter.hit(key, timeWindow, max).then(
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
