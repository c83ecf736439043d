import { mkdirSync } from 'node:fs';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import type { Database, Queryable } from './database.ts';

/**
 * Embedded PostgreSQL (WASM) in a directory of its own, for running without a server. One process owns a data
 * directory, so each service keeps its own and replicas need a real server (DATABASE_URL).
 */
export async function openPglite(directory: string | undefined, schema: string): Promise<Database> {
  if (directory) mkdirSync(directory, { recursive: true });
  const db = directory ? await PGlite.create(directory) : await PGlite.create();
  await db.exec(`CREATE SCHEMA IF NOT EXISTS "${schema}"; SET search_path TO "${schema}"`);
  const run = (client: PGlite | Transaction): Queryable => ({
    async query(sql, params) {
      return (await client.query(sql, params as unknown[])).rows as never[];
    },
  });
  return {
    kind: 'pglite',
    schema,
    ...run(db),
    transaction: (work) => db.transaction((tx) => work(run(tx))),
    async listen(channel, onPayload) {
      return db.listen(channel, onPayload);
    },
    close: () => db.close(),
  };
}
