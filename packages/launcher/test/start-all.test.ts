import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { uniqueNamespace, waitFor } from '@voucher/platform/testing';
import { systemProcesses } from '../src/index.ts';

const portIsOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });

test('npm start runs every process with prefixed logs, and Ctrl-C stops everything it started', async () => {
  const child = spawn(process.execPath, [fileURLToPath(new URL('../src/start-all.ts', import.meta.url))], {
    env: { ...process.env, KAFKA_NAMESPACE: uniqueNamespace(), DATA_DIR: mkdtempSync(join(tmpdir(), 'voucher-start-')), LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  for (const stream of [child.stdout!, child.stderr!]) createInterface({ input: stream }).on('line', (line) => lines.push(line));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  try {
    await waitFor(() => lines.some((line) => line.includes('all processes are up')) || undefined, 'every process to be up', 120_000);
    for (const spec of systemProcesses) {
      assert.ok(
        lines.some((line) => line.startsWith(`[${spec.name}] `)),
        `${spec.name}'s log lines are prefixed with its name`,
      );
      assert.equal(await portIsOpen(spec.defaultPort), true, `${spec.name} listens on ${spec.defaultPort}`);
    }
    child.kill('SIGINT');
    assert.equal(await exited, 0);
    for (const spec of systemProcesses) assert.equal(await portIsOpen(spec.defaultPort), false, `${spec.name} was stopped`);
    const stopped = lines.filter((line) => /"msg":"stopped"/.test(line)).map((line) => line.slice(1, line.indexOf(']')));
    assert.deepEqual(stopped, systemProcesses.map((spec) => spec.name).reverse(), 'stopped one by one, the gateway first');
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});
