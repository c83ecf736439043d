import { startPostgres, stopPostgres } from '@voucher/local-postgres';

/**
 * Uses DATABASE_URL when it is set; otherwise starts the project's local PostgreSQL server (under DATA_DIR) and sets
 * DATABASE_URL to `database` on it, which `fresh` empties first. Returns a function that stops the server only if this
 * call started it.
 */
export async function ensureDatabase(log: (line: string) => void, database: string, { fresh = false } = {}): Promise<() => Promise<void>> {
  if (process.env.DATABASE_URL) {
    log(`using the PostgreSQL database at DATABASE_URL (${new URL(process.env.DATABASE_URL).host})`);
    return async () => {};
  }
  const server = await startPostgres((line) => log(`[postgres] ${line}`));
  process.env.DATABASE_URL = fresh ? await server.freshDatabaseUrl(database) : await server.databaseUrl(database);
  return server.started ? () => stopPostgres((line) => log(`[postgres] ${line}`)) : async () => {};
}
