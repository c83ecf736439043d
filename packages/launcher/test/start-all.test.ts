import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { uniqueNamespace, waitFor } from '@voucher/platform/testing';
import { systemProcesses } from '../src/index.ts';

const portIsOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

/** `npm start` as a child process, its output collected line by line. */
function npmStart(env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, [fileURLToPath(new URL('../src/start-all.ts', import.meta.url))], {
    env: { ...env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  for (const stream of [child.stdout!, child.stderr!]) createInterface({ input: stream }).on('line', (line) => lines.push(line));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return {
    lines,
    exited,
    up: () => waitFor(() => lines.some((line) => line.includes('all processes are up')) || undefined, 'every process to be up', 120_000),
    async stop() {
      child.kill('SIGINT');
      return exited;
    },
    kill: () => child.exitCode === null && child.kill('SIGKILL'),
  };
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

test('npm start runs every process with prefixed logs on the database DATABASE_URL names, and Ctrl-C stops everything', async () => {
  // A database of this test's own on the run's server: the services' schemas must appear there and nowhere else.
  const database = `start_all_${process.pid}`;
  const url = new URL(process.env.DATABASE_URL!);
  await withClient(url.href, (client) =>
    client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).then(() => client.query(`CREATE DATABASE ${database}`)),
  );
  url.pathname = `/${database}`;
  const start = npmStart({ ...process.env, DATABASE_URL: url.href, KAFKA_NAMESPACE: uniqueNamespace() });
  try {
    await start.up();
    for (const spec of systemProcesses) {
      assert.ok(
        start.lines.some((line) => line.startsWith(`[${spec.name}] `)),
        `${spec.name}'s log lines are prefixed with its name`,
      );
      assert.equal(await portIsOpen(spec.defaultPort), true, `${spec.name} listens on ${spec.defaultPort}`);
    }
    const schemas = await withClient(url.href, async (client) =>
      (await client.query<{ name: string }>('SELECT schema_name AS name FROM information_schema.schemata')).rows.map((row) => row.name),
    );
    for (const schema of ['gateway', 'voucher_integration_service', 'voucher_service'])
      assert.ok(schemas.includes(schema), `${schema} was created in the database DATABASE_URL names`);
    assert.equal(await start.stop(), 0);
    for (const spec of systemProcesses) assert.equal(await portIsOpen(spec.defaultPort), false, `${spec.name} was stopped`);
    const stopped = start.lines.filter((line) => /"msg":"stopped"/.test(line)).map((line) => line.slice(1, line.indexOf(']')));
    assert.deepEqual(stopped, systemProcesses.map((spec) => spec.name).reverse(), 'stopped one by one, the gateway first');
  } finally {
    start.kill();
  }
});

test('without DATABASE_URL, npm start runs its own PostgreSQL under DATA_DIR, stops it on Ctrl-C, and finds the data again', async () => {
  const { DATABASE_URL: _unset, ...withoutUrl } = process.env;
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'voucher-start-'));
  const env = {
    ...withoutUrl,
    DATA_DIR: dataDir,
    LOCAL_POSTGRES_PORT: String(port),
    KAFKA_NAMESPACE: uniqueNamespace(),
    AUTH_REQUIRED: 'false',
  };
  const gateway = `http://127.0.0.1:${systemProcesses.find((spec) => spec.name === 'gateway')!.defaultPort}`;

  const first = npmStart(env);
  let requestId: string;
  try {
    await first.up();
    assert.equal(await portIsOpen(port), true, 'a PostgreSQL server listens on LOCAL_POSTGRES_PORT');
    assert.ok(existsSync(join(dataDir, 'postgres', 'password')), 'its password is kept under DATA_DIR');
    const page = await fetch(`${gateway}/`);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/, 'the customer page is served');
    const accepted = await fetch(`${gateway}/voucher?phoneNumber=0909123456`, { method: 'POST' });
    assert.equal(accepted.status, 202);
    requestId = ((await accepted.json()) as { requestId: string }).requestId;
    assert.equal(await first.stop(), 0);
    assert.equal(await portIsOpen(port), false, 'Ctrl-C stopped the PostgreSQL server it started');
  } finally {
    first.kill();
  }

  const second = npmStart(env);
  try {
    await second.up();
    const status = await fetch(`${gateway}/voucher/requests/${requestId}`);
    assert.equal(status.status, 200, 'the request accepted before the restart is still known');
    assert.equal(await second.stop(), 0);
  } finally {
    second.kill();
  }
});
