import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Admin } from '@platformatic/kafka';
import { writeConfiguration } from './configuration.ts';
import { brokerLayout, jarsDir, type BrokerLayout, type BrokerLayoutOptions } from './layout.ts';
import { provisionJars } from './provision.ts';

type Log = (line: string) => void;

export interface StartBrokerOptions extends BrokerLayoutOptions {
  log?: Log;
  /** How long to wait for the broker to accept clients. */
  timeoutMs?: number;
}

export interface StopBrokerOptions extends BrokerLayoutOptions {
  log?: Log;
  /** How long SIGTERM may take before SIGKILL; 0 kills at once (a crash, for tests). */
  graceMs?: number;
}

/** The default broker's address (127.0.0.1:9092 unless LOCAL_KAFKA_PORT says otherwise). */
export const bootstrapAddress = brokerLayout().bootstrapAddress;

function portIsOpen(layout: BrokerLayout): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: layout.host, port: layout.port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

/** True once the broker answers a metadata request, i.e. it accepts clients (not merely an open port). */
async function acceptsClients(layout: BrokerLayout): Promise<boolean> {
  if (!(await portIsOpen(layout))) return false;
  const admin = new Admin({ clientId: 'local-kafka-probe', bootstrapBrokers: [layout.bootstrapAddress], retries: 0 });
  try {
    await admin.metadata({ topics: [] });
    return true;
  } catch {
    return false;
  } finally {
    await admin.close().catch(() => {});
  }
}

function java(layout: BrokerLayout, mainClass: string, args: string[]): string[] {
  return [`-Dlog4j2.configurationFile=${layout.log4jFile}`, '-Xms256m', '-Xmx768m', '-cp', join(jarsDir, '*'), mainClass, ...args];
}

function formatStorage(layout: BrokerLayout, log: Log): void {
  if (existsSync(join(layout.dataDir, 'meta.properties'))) return;
  log('formatting KRaft storage');
  const clusterId = randomUUID().replaceAll('-', '').slice(0, 22);
  const result = spawnSync('java', java(layout, 'kafka.tools.StorageTool', ['format', '-t', clusterId, '-c', layout.configFile]), {
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`kafka storage format failed:\n${result.stdout}\n${result.stderr}`);
}

function readPid(layout: BrokerLayout): number | undefined {
  if (!existsSync(layout.pidFile)) return undefined;
  const pid = Number(readFileSync(layout.pidFile, 'utf8'));
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

/** A log function, or options (port, controller port, state directory, log, timeout). */
const startOptions = (options: Log | StartBrokerOptions, timeoutMs?: number): StartBrokerOptions =>
  typeof options === 'function' ? { log: options, timeoutMs } : { ...options, timeoutMs: options.timeoutMs ?? timeoutMs };

/**
 * Starts the broker unless one already accepts clients on its port (127.0.0.1:9092 by default); resolves once it does.
 * Returns true if it started one. A broker started again on the same state directory keeps its data (topics, records,
 * committed offsets).
 */
export async function startBroker(options: Log | StartBrokerOptions = {}, timeoutMs?: number): Promise<boolean> {
  const settings = startOptions(options, timeoutMs);
  const log = settings.log ?? console.log;
  const wait = settings.timeoutMs ?? 120_000;
  const layout = brokerLayout(settings);
  if (await acceptsClients(layout)) {
    log(`a Kafka broker already accepts clients on ${layout.bootstrapAddress}; leaving it alone`);
    return false;
  }
  provisionJars(log);
  writeConfiguration(layout);
  formatStorage(layout, log);
  const out = openSync(layout.stdoutFile, 'a');
  const child = spawn('java', java(layout, 'kafka.Kafka', [layout.configFile]), { detached: true, stdio: ['ignore', out, out] });
  writeFileSync(layout.pidFile, String(child.pid));
  child.unref();
  log(`starting Kafka broker (pid ${child.pid}) on ${layout.bootstrapAddress}`);
  const deadline = Date.now() + wait;
  while (Date.now() < deadline) {
    if (!isAlive(child.pid!))
      throw new Error(`the Kafka broker exited during start-up:\n${tail(layout.stdoutFile)}\n${tail(join(layout.logsDir, 'server.log'))}`);
    if (await acceptsClients(layout)) {
      log(`Kafka broker ready on ${layout.bootstrapAddress}`);
      return true;
    }
    await sleep(500);
  }
  throw new Error(`the Kafka broker did not accept clients within ${wait} ms:\n${tail(join(layout.logsDir, 'server.log'))}`);
}

/** Stops the broker this package started in that state directory (SIGTERM, then SIGKILL after a grace period). */
export async function stopBroker(options: Log | StopBrokerOptions = {}, graceMs?: number): Promise<void> {
  const settings: StopBrokerOptions =
    typeof options === 'function' ? { log: options, graceMs } : { ...options, graceMs: options.graceMs ?? graceMs };
  const log = settings.log ?? console.log;
  const grace = settings.graceMs ?? 30_000;
  const layout = brokerLayout(settings);
  const pid = readPid(layout);
  if (!pid || !isAlive(pid)) {
    log('no local Kafka broker is running');
    rmSync(layout.pidFile, { force: true });
    return;
  }
  process.kill(pid, grace > 0 ? 'SIGTERM' : 'SIGKILL');
  const deadline = Date.now() + grace;
  while (isAlive(pid) && Date.now() < deadline) await sleep(200);
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  while (isAlive(pid)) await sleep(50);
  rmSync(layout.pidFile, { force: true });
  log(`Kafka broker (pid ${pid}) stopped`);
}
