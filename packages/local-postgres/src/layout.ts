import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** Where one local server keeps its files. Everything lives under DATA_DIR (default ./data), which git ignores. */
export interface ServerLayout {
  /** `DATA_DIR/postgres`: the password, the server log and (normally) the cluster. */
  home: string;
  /** The cluster directory (initdb's PGDATA). */
  pgdata: string;
  passwordFile: string;
  logFile: string;
  host: string;
  port: number;
}

export const DEFAULT_PORT = 54320;

export function serverLayout(env: NodeJS.ProcessEnv = process.env): ServerLayout {
  const home = resolve(env.DATA_DIR ?? './data', 'postgres');
  const port = Number(env.LOCAL_POSTGRES_PORT ?? DEFAULT_PORT);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new Error(`LOCAL_POSTGRES_PORT must be a port, got '${env.LOCAL_POSTGRES_PORT}'`);
  return {
    home,
    pgdata: join(home, 'pgdata'),
    passwordFile: join(home, 'password'),
    logFile: join(home, 'server.log'),
    host: '127.0.0.1',
    port,
  };
}

/**
 * PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user. When that user cannot reach
 * DATA_DIR (a checkout under a private home directory), the cluster goes to a directory of its own under the system's
 * temporary directory instead, named after DATA_DIR so that each checkout keeps its own.
 */
export function fallbackPgdata(layout: ServerLayout): string {
  return join(tmpdir(), `bank-voucher-postgres-${createHash('sha256').update(layout.home).digest('hex').slice(0, 12)}`);
}

export const connectionUrl = (layout: ServerLayout, password: string, database: string) =>
  `postgres://postgres:${encodeURIComponent(password)}@${layout.host}:${layout.port}/${database}`;
