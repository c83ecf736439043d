import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Admin } from '@platformatic/kafka';
import { jarsDir, type BrokerLayout } from './layout.ts';

/**
 * One KRaft node's process: format its storage, launch it, wait until it accepts clients, stop or kill it. A single
 * broker (broker.ts) and every node of a cluster (cluster.ts) are run with these.
 */
export type Log = (line: string) => void;

/** Heap of one node: a lone broker gets room; the nodes of a cluster share a small machine and get little. */
export type Heap = { min: string; max: string };
export const SINGLE_NODE_HEAP: Heap = { min: '256m', max: '768m' };
export const CLUSTER_NODE_HEAP: Heap = { min: '128m', max: '256m' };

function portIsOpen(layout: BrokerLayout): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: layout.host, port: layout.port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

/**
 * The brokers the node at `layout` reports in its metadata once it accepts clients (not merely an open port);
 * undefined while it does not.
 */
export async function brokersSeenBy(layout: BrokerLayout): Promise<number | undefined> {
  if (!(await portIsOpen(layout))) return undefined;
  const admin = new Admin({ clientId: 'local-kafka-probe', bootstrapBrokers: [layout.bootstrapAddress], retries: 0 });
  try {
    const metadata = await admin.metadata({ topics: [] });
    return metadata.brokers.size;
  } catch {
    return undefined;
  } finally {
    await admin.close().catch(() => {});
  }
}

export const acceptsClients = async (layout: BrokerLayout): Promise<boolean> => (await brokersSeenBy(layout)) !== undefined;

/**
 * Whether every partition of every topic on the cluster at `bootstrap` has all its replicas in sync; false when it
 * cannot tell. Internal topics (`__consumer_offsets`) are left out: @platformatic/kafka's metadata does not describe
 * their partitions.
 */
export async function replicasInSync(bootstrap: string[]): Promise<boolean> {
  const admin = new Admin({ clientId: 'local-kafka-probe', bootstrapBrokers: bootstrap, retries: 0 });
  try {
    const topics = await admin.listTopics();
    if (topics.length === 0) return true;
    const metadata = await admin.metadata({ topics, forceUpdate: true });
    return [...metadata.topics.values()].every((topic) =>
      topic.partitions.every((partition) => partition.isr.length === partition.replicas.length),
    );
  } catch {
    return false;
  } finally {
    await admin.close().catch(() => {});
  }
}

function java(layout: BrokerLayout, heap: Heap, mainClass: string, args: string[]): string[] {
  return [
    `-Dlog4j2.configurationFile=${layout.log4jFile}`,
    `-Xms${heap.min}`,
    `-Xmx${heap.max}`,
    '-cp',
    join(jarsDir, '*'),
    mainClass,
    ...args,
  ];
}

/**
 * Formats the node's KRaft storage for `clusterId` unless it already holds data (a restart keeps everything). The
 * nodes of a cluster are formatted side by side: each format is a JVM start of a few seconds.
 */
export async function formatStorage(layout: BrokerLayout, clusterId: string, log: Log): Promise<void> {
  if (existsSync(join(layout.dataDir, 'meta.properties'))) return;
  log(`formatting KRaft storage in ${layout.dataDir}`);
  const toolHeap = { min: '32m', max: '256m' };
  const args = ['format', '-t', clusterId, '-c', layout.configFile];
  const { status, output } = await new Promise<{ status: number | null; output: string }>((resolve, reject) => {
    const child = spawn('java', java(layout, toolHeap, 'kafka.tools.StorageTool', args), { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    for (const stream of [child.stdout, child.stderr]) stream.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.once('error', reject);
    child.once('close', (code) => resolve({ status: code, output }));
  });
  if (status !== 0) throw new Error(`kafka storage format failed:\n${output}`);
}

export function readPid(layout: BrokerLayout): number | undefined {
  if (!existsSync(layout.pidFile)) return undefined;
  const pid = Number(readFileSync(layout.pidFile, 'utf8'));
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

export function isAlive(pid: number): boolean {
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

/** Starts the node's JVM, detached (it outlives this process), and records its pid. Does not wait for it. */
export function launchNode(layout: BrokerLayout, heap: Heap): number {
  const out = openSync(layout.stdoutFile, 'a');
  const child = spawn('java', java(layout, heap, 'kafka.Kafka', [layout.configFile]), { detached: true, stdio: ['ignore', out, out] });
  writeFileSync(layout.pidFile, String(child.pid));
  child.unref();
  return child.pid!;
}

/**
 * Resolves once the node accepts clients and sees `brokers` brokers (a cluster's node is useful once its peers have
 * registered); fails at once if its process exits, with the ends of its logs.
 */
export async function waitUntilReady(layout: BrokerLayout, pid: number, timeoutMs: number, brokers = 1): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid))
      throw new Error(
        `the Kafka node on ${layout.bootstrapAddress} exited during start-up:\n${tail(layout.stdoutFile)}\n${tail(join(layout.logsDir, 'server.log'))}`,
      );
    if (((await brokersSeenBy(layout)) ?? 0) >= brokers) return;
    await sleep(500);
  }
  throw new Error(
    `the Kafka node on ${layout.bootstrapAddress} did not accept clients within ${timeoutMs} ms:\n${tail(join(layout.logsDir, 'server.log'))}`,
  );
}

/**
 * Stops the node this package started in that state directory: SIGTERM, then SIGKILL after `graceMs` (0 kills at once,
 * a crash). Returns the pid it stopped, or undefined when none was running.
 */
export async function stopNode(layout: BrokerLayout, graceMs: number): Promise<number | undefined> {
  const pid = readPid(layout);
  if (!pid || !isAlive(pid)) {
    rmSync(layout.pidFile, { force: true });
    return undefined;
  }
  process.kill(pid, graceMs > 0 ? 'SIGTERM' : 'SIGKILL');
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(200);
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  while (isAlive(pid)) await sleep(50);
  rmSync(layout.pidFile, { force: true });
  return pid;
}

/**
 * A KRaft cluster id: 16 random bytes, base64url (22 characters), as `kafka-storage random-uuid` makes them, and like
 * those never starting with '-' (a command line would read it as an option).
 */
export function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}
