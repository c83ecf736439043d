import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Database, Queryable } from './database.ts';
import { markRetryable } from './errors.ts';
import { listenWithReconnect, type Listener } from './listener.ts';

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** The advisory lock that serialises a schema's creation and migrations across processes. */
export const migrationLockKey = (schema: string): string => `migrations:${schema}`;

/**
 * A prepared statement's name on every connection: derived from its text, so one text always has one name and two
 * texts never share one (pg refuses a known name with another text).
 */
const statementNames = new Map<string, string>();
function statementName(sql: string): string {
  let name = statementNames.get(sql);
  if (name === undefined) {
    name = `s_${createHash('sha256').update(sql).digest('hex').slice(0, 32)}`;
    statementNames.set(sql, name);
  }
  return name;
}

/** A pg pool whose every connection works inside the owning service's schema. */
export async function openPostgres(url: string, schema: string, poolSize = 10): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, options: `-c search_path=${schema}` });
  pool.on('error', () => {}); // an idle client's error is reported by the next query that needs it
  // Under the migrations' lock: replicas starting together would otherwise race on the catalog (a duplicate-key error).
  try {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [migrationLockKey(schema)]);
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
      await client.query('COMMIT');
    } finally {
      client.release(true); // a fresh connection next time, whatever state this one was left in
    }
  } catch (error) {
    await pool.end();
    throw error;
  }
  const run = (client: pg.Pool | pg.PoolClient): Queryable => ({
    async query(sql, params, options) {
      const values = params as unknown[] | undefined;
      try {
        const result = options?.prepare
          ? await client.query({ name: statementName(sql), text: sql, values })
          : await client.query(sql, values);
        return result.rows;
      } catch (error) {
        throw markRetryable(error);
      }
    },
  });
  const listeners = new Set<Listener>();
  return {
    schema,
    ...run(pool),
    async transaction(work) {
      const client = await pool.connect();
      // A checked-out client has no listener of the pool's: a server that dies mid-transaction would crash the process.
      const onError = () => {};
      client.on('error', onError);
      try {
        await client.query('BEGIN');
        const result = await work(run(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.off('error', onError);
        client.release();
      }
    },
    async listen(channel, onPayload, onReconnect) {
      const listener = await listenWithReconnect(url, channel, onPayload, onReconnect);
      listeners.add(listener);
      return async () => {
        listeners.delete(listener);
        await listener.close();
      };
    },
    async close() {
      await Promise.all([...listeners].map((listener) => listener.close()));
      listeners.clear();
      await pool.end();
    },
  };
}
