export interface QueryOptions {
  /**
   * Keep the statement prepared on each connection (a named statement), so PostgreSQL parses and plans it once per
   * connection instead of on every call: for hot statements of fixed text (each text stays on every connection).
   */
  prepare?: boolean;
}

/** The small surface every service uses over its PostgreSQL schema. */
export interface Queryable {
  query<Row = Record<string, unknown>>(sql: string, params?: unknown[], options?: QueryOptions): Promise<Row[]>;
}

export interface Database extends Queryable {
  readonly schema: string;
  /** Runs `work` in one transaction; it commits when `work` resolves and rolls back when it throws. */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * Subscribes to NOTIFY on `channel`; returns the unsubscribe function. NOTIFY is not durable: after the listening
   * connection was lost and made again, `onReconnect` runs so the caller can look for what it may have missed.
   */
  listen(channel: string, onPayload: (payload: string) => void, onReconnect?: () => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}
