import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Database, Queryable } from './database.ts';
import { migrationLockKey } from './postgres.ts';

/**
 * Applies the service's SQL migrations (`NNN_name.sql`, in name order) that have not run yet, each in its own
 * transaction, recording them in `schema_migrations`. An advisory lock keeps replicas that start together from
 * racing. Running it again is harmless.
 */
export async function migrate(db: Database, directory: string): Promise<string[]> {
  const files = readdirSync(directory)
    .filter((name) => /^\d+_.+\.sql$/.test(name))
    .sort();
  const locked = async <T>(work: (tx: Queryable) => Promise<T>) =>
    db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [migrationLockKey(db.schema)]);
      return work(tx);
    });
  // Even `IF NOT EXISTS` races on the catalog when two replicas run it at once: everything here runs under the lock.
  await locked((tx) =>
    tx.query('CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())'),
  );
  const applied: string[] = [];
  for (const file of files) {
    const ran = await locked(async (tx) => {
      const done = await tx.query('SELECT 1 FROM schema_migrations WHERE version = $1', [file]);
      if (done.length > 0) return false;
      for (const statement of splitStatements(readFileSync(join(directory, file), 'utf8'))) await tx.query(statement);
      await tx.query('INSERT INTO schema_migrations (version) VALUES ($1)', [file]);
      return true;
    });
    if (ran) applied.push(file);
  }
  return applied;
}

/** Splits on semicolons at line ends; migrations keep one statement per `;` line (no procedural bodies). */
function splitStatements(sql: string): string[] {
  return sql
    .split(/;\s*$/m)
    .map((statement) => statement.replace(/^\s*--.*$/gm, '').trim())
    .filter(Boolean);
}
