import { join } from 'node:path';
import type { Database } from './database.ts';
import { migrate } from './migrate.ts';
import { openPglite } from './pglite.ts';
import { openPostgres } from './postgres.ts';

export interface DatabaseOptions {
  /** The owning service: names its PostgreSQL schema and its PGlite directory. */
  service: string;
  migrationsDir: string;
  /** A PostgreSQL URL; without one, embedded PGlite under `dataDir/<service>`. */
  url?: string;
  dataDir?: string;
  poolSize?: number;
}

export const schemaName = (service: string) => service.replaceAll('-', '_');

/** Opens the service's database and brings its schema up to date before anything else touches it. */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const schema = schemaName(options.service);
  const db = options.url
    ? await openPostgres(options.url, schema, options.poolSize)
    : await openPglite(join(options.dataDir ?? './data', options.service), schema);
  try {
    await migrate(db, options.migrationsDir);
  } catch (error) {
    await db.close();
    throw error;
  }
  return db;
}
