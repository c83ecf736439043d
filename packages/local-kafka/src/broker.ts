import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Admin } from '@platformatic/kafka';
import { writeConfiguration } from './configuration.ts';
import { configFile, dataDir, host, jarsDir, log4jFile, logsDir, pidFile, port, stdoutFile } from './layout.ts';
import { provisionJars } from './provision.ts';

type Log = (line: string) => void;
export const bootstrapAddress = `${host}:${port}`;

function portIsOpen(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

/** True once the broker answers a metadata request, i.e. it accepts clients (not merely an open port). */
async function acceptsClients(): Promise<boolean> {
  if (!(await portIsOpen())) return false;
  const admin = new Admin({ clientId: 'local-kafka-probe', bootstrapBrokers: [bootstrapAddress], retries: 0 });
  try {
    await admin.metadata({ topics: [] });
    return true;
  } catch {
    return false;
  } finally {
    await admin.close().catch(() => {});
  }
}

function java(mainClass: string, args: string[]): string[] {
  return [`-Dlog4j2.configurationFile=${log4jFile}`, '-Xms256m', '-Xmx768m', '-cp', join(jarsDir, '*'), mainClass, ...args];
}

function formatStorage(log: Log): void {
  if (existsSync(join(dataDir, 'meta.properties'))) return;
  log('formatting KRaft storage');
  const result = spawnSync(
    'java',
    java('kafka.tools.StorageTool', ['format', '-t', randomUUID().replaceAll('-', '').slice(0, 22), '-c', configFile]),
    {
      encoding: 'utf8',
    },
  );
  if (result.status !== 0) throw new Error(`kafka storage format failed:\n${result.stdout}\n${result.stderr}`);
}

function readPid(): number | undefined {
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8'));
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function tail(file: string, lines = 30): string {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n') : '(no log)';
}

/** Starts the broker unless one already accepts clients on 127.0.0.1:9092; resolves once it does. Returns true if it started one. */
export async function startBroker(log: Log = console.log, timeoutMs = 120_000): Promise<boolean> {
  if (await acceptsClients()) {
    log(`a Kafka broker already accepts clients on ${bootstrapAddress}; leaving it alone`);
    return false;
  }
  provisionJars(log);
  writeConfiguration();
  formatStorage(log);
  const out = openSync(stdoutFile, 'a');
  const child = spawn('java', java('kafka.Kafka', [configFile]), { detached: true, stdio: ['ignore', out, out] });
  writeFileSync(pidFile, String(child.pid));
  child.unref();
  log(`starting Kafka broker (pid ${child.pid}) on ${bootstrapAddress}`);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(child.pid!))
      throw new Error(`the Kafka broker exited during start-up:\n${tail(stdoutFile)}\n${tail(join(logsDir, 'server.log'))}`);
    if (await acceptsClients()) {
      log(`Kafka broker ready on ${bootstrapAddress}`);
      return true;
    }
    await sleep(500);
  }
  throw new Error(`the Kafka broker did not accept clients within ${timeoutMs} ms:\n${tail(join(logsDir, 'server.log'))}`);
}

/** Stops the broker this package started (SIGTERM, then SIGKILL after a grace period). */
export async function stopBroker(log: Log = console.log, graceMs = 30_000): Promise<void> {
  const pid = readPid();
  if (!pid || !isAlive(pid)) {
    log('no local Kafka broker is running');
    rmSync(pidFile, { force: true });
    return;
  }
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(200);
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  rmSync(pidFile, { force: true });
  log(`Kafka broker (pid ${pid}) stopped`);
}
