import pg from 'pg';
import type { Database, Queryable } from './database.ts';

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** A pg pool whose every connection works inside the owning service's schema. */
export async function openPostgres(url: string, schema: string, poolSize = 10): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, options: `-c search_path=${schema}` });
  pool.on('error', () => {}); // an idle client's error is reported by the next query that needs it
  await pool.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
  const run = (client: pg.Pool | pg.PoolClient): Queryable => ({
    async query(sql, params) {
      return (await client.query(sql, params as unknown[])).rows;
    },
  });
  const listeners: pg.Client[] = [];
  return {
    schema,
    ...run(pool),
    async transaction(work) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await work(run(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    async listen(channel, onPayload) {
      // LISTEN needs a connection of its own that outlives any pooled query.
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      client.on('notification', (message) => message.channel === channel && onPayload(message.payload ?? ''));
      await client.query(`LISTEN ${quoteIdent(channel)}`);
      listeners.push(client);
      return async () => {
        listeners.splice(listeners.indexOf(client), 1);
        await client.end();
      };
    },
    async close() {
      await Promise.all(listeners.splice(0).map((client) => client.end()));
      await pool.end();
    },
  };
}
