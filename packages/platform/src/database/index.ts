export type { Database, Queryable, QueryOptions } from './database.ts';
export { migrate } from './migrate.ts';
export { openDatabase, schemaName, type DatabaseOptions } from './open.ts';
export { openPostgres } from './postgres.ts';
