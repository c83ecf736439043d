import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { systemProcesses } from '@voucher/launcher';
import { startPostgres, stopPostgres } from '@voucher/local-postgres';
import { freePort, uniqueNamespace, waitFor } from '@voucher/platform/testing';

test('a service started while its database is down waits for it, then comes up by itself', async () => {
  // A PostgreSQL server of the test's own, created and stopped again: the service gets the URL of a server that is down.
  const env = { ...process.env, DATA_DIR: mkdtempSync(join(tmpdir(), 'start-up-')), LOCAL_POSTGRES_PORT: String(await freePort()) };
  const quiet = () => {};
  const databaseUrl = await (await startPostgres(quiet, env)).databaseUrl('voucher');
  await stopPostgres(quiet, env);

  const port = await freePort();
  const spec = systemProcesses.find((candidate) => candidate.name === 'voucher-service')!;
  const child = spawn(process.execPath, [spec.entry], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      VOUCHER_PORT: String(port),
      KAFKA_NAMESPACE: uniqueNamespace(),
      CURSOR_SECRET: 'start-up-test-cursor-secret-0123456789abcdef',
      VOUCHER_SERVICE_TOKEN: 'start-up-test-voucher-service-token-0123456',
      ADMIN_PORT: '0',
      LOG_LEVEL: 'warn',
      LOG_FORMAT: 'json',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => lines.push(line));
  try {
    await waitFor(() => lines.some((line) => line.includes('trying again')) || undefined, 'the service to say it is waiting', 30_000);
    assert.equal(child.exitCode, null, 'still running: waiting, not dead');
    await startPostgres(quiet, env);
    await waitFor(
      async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.status === 200 || undefined,
      'the service to be ready once the database is back',
      60_000,
    );
  } finally {
    child.kill('SIGKILL');
    await stopPostgres(quiet, env);
    rmSync(env.DATA_DIR, { recursive: true, force: true });
  }
});
