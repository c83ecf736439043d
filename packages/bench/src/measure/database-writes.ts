import pg from 'pg';

/**
 * PostgreSQL's own account of a measured interval, per request: the WAL it wrote and the write transactions it ran.
 * Both are read from positions the server advances as it works (the WAL insert position, the next transaction id), so
 * they are exact at once; the statistics views flush about once a second and would miss the end of a short run. A read
 * assigns no transaction id. Write transactions per request below 1 is batching at work: 0.05 is twenty requests per
 * commit. Everything writing to the server in the interval counts, the services' periodic sweeps too.
 */
export interface DatabaseWrites {
  walBytes: number;
  transactions: number;
}

interface Position {
  wal: bigint;
  xid: bigint;
}

const POSITION = `SELECT (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint::text AS wal, pg_snapshot_xmax(pg_current_snapshot())::text AS xid`;

/** Reads the server's positions over one connection of its own; `read` gives undefined when the server cannot say. */
export class WriteCounter {
  readonly #client: pg.Client;

  private constructor(client: pg.Client) {
    this.#client = client;
  }

  static async open(databaseUrl: string): Promise<WriteCounter> {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    return new WriteCounter(client);
  }

  async read(): Promise<Position | undefined> {
    try {
      const { rows } = await this.#client.query<{ wal: string; xid: string }>(POSITION);
      return { wal: BigInt(rows[0]!.wal), xid: BigInt(rows[0]!.xid) };
    } catch {
      return undefined;
    }
  }

  /** Runs `work` and gives what it cost the server per request (`requestsOf` its result), or undefined if unreadable. */
  async measure<T>(work: () => Promise<T>, requestsOf: (result: T) => number): Promise<{ result: T; writes?: DatabaseWrites }> {
    const before = await this.read();
    const result = await work();
    const after = before && (await this.read());
    const requests = requestsOf(result);
    if (!before || !after || requests <= 0) return { result };
    return {
      result,
      writes: {
        walBytes: Math.round(Number(after.wal - before.wal) / requests),
        transactions: Math.round((Number(after.xid - before.xid) / requests) * 1000) / 1000,
      },
    };
  }

  close(): Promise<void> {
    return this.#client.end();
  }
}

/** Runs `use` with a WriteCounter on the database, closed afterwards whatever happens. */
export async function withWriteCounter<T>(databaseUrl: string, use: (counter: WriteCounter) => Promise<T>): Promise<T> {
  const counter = await WriteCounter.open(databaseUrl);
  try {
    return await use(counter);
  } finally {
    await counter.close();
  }
}
