import type { Database } from './database.ts';
import { migrate } from './migrate.ts';
import { openPostgres } from './postgres.ts';

export interface DatabaseOptions {
  /** The owning service: names its PostgreSQL schema, so services can share one database and never each other's tables. */
  service: string;
  migrationsDir: string;
  /** The PostgreSQL URL (DATABASE_URL; `npm start` and `npm test` point it at the project's local server). */
  url: string;
  /** Another schema than the service's own (DATABASE_SCHEMA): tests give each test file one. */
  schema?: string;
  poolSize?: number;
}

export const schemaName = (service: string) => service.replaceAll('-', '_');

/** Opens the service's database and brings its schema up to date before anything else touches it. */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const db = await openPostgres(options.url, options.schema ?? schemaName(options.service), options.poolSize);
  try {
    await migrate(db, options.migrationsDir);
  } catch (error) {
    await db.close();
    throw error;
  }
  return db;
}
