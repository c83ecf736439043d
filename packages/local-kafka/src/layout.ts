import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the local broker keeps its jars, configuration, data and logs. Nothing here is tracked by git. */
export const KAFKA_VERSION = '4.1.1';
export const packageDir = resolve(fileURLToPath(new URL('..', import.meta.url)));
export const pomFile = join(packageDir, 'pom.xml');

const cacheRoot = process.env.LOCAL_KAFKA_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'bank-voucher-kafka');
export const jarsDir = join(cacheRoot, `kafka-${KAFKA_VERSION}`, 'libs');

/** Where one broker listens and keeps its state. Several brokers (a test's private one) differ only in these. */
export interface BrokerLayoutOptions {
  /** Client port (default `LOCAL_KAFKA_PORT` or 9092). */
  port?: number;
  /** KRaft controller port (default `LOCAL_KAFKA_CONTROLLER_PORT` or 9093). */
  controllerPort?: number;
  /** State directory: configuration, data, logs and pid file (default `LOCAL_KAFKA_HOME` or `<cache>/broker`). */
  home?: string;
}

export interface BrokerLayout {
  host: string;
  port: number;
  controllerPort: number;
  bootstrapAddress: string;
  home: string;
  configFile: string;
  log4jFile: string;
  dataDir: string;
  logsDir: string;
  pidFile: string;
  stdoutFile: string;
}

function portFromEnvironment(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65_535) throw new Error(`${name} must be a TCP port (1-65535), got '${raw}'`);
  return value;
}

export function brokerLayout(options: BrokerLayoutOptions = {}): BrokerLayout {
  const host = '127.0.0.1';
  const port = options.port ?? portFromEnvironment('LOCAL_KAFKA_PORT', 9092);
  const controllerPort = options.controllerPort ?? portFromEnvironment('LOCAL_KAFKA_CONTROLLER_PORT', 9093);
  if (port === controllerPort) throw new Error(`the broker and controller ports must differ (both ${port})`);
  const home = resolve(options.home ?? process.env.LOCAL_KAFKA_HOME ?? join(cacheRoot, 'broker'));
  const logsDir = join(home, 'logs');
  return {
    host,
    port,
    controllerPort,
    bootstrapAddress: `${host}:${port}`,
    home,
    configFile: join(home, 'server.properties'),
    log4jFile: join(home, 'log4j2.properties'),
    dataDir: join(home, 'data'),
    logsDir,
    pidFile: join(home, 'broker.pid'),
    stdoutFile: join(logsDir, 'stdout.log'),
  };
}

/** Where the nodes of a cluster listen and keep their state, and the one file they share. */
export interface ClusterLayout {
  /** The cluster's directory: its nodes' state directories (one node: its own) and the cluster id. */
  home: string;
  clusterIdFile: string;
  nodes: Array<{ id: number; layout: BrokerLayout }>;
  /** Every node's client address, comma-separated, as KAFKA_BROKERS takes it. */
  bootstrap: string;
}

export interface ClusterLayoutOptions {
  brokers: number;
  /** Node 1's client port; node n listens on port + 2(n - 1), its controller one above (default `LOCAL_KAFKA_PORT` or 9092). */
  port?: number;
  /** The cluster's directory (default: the single broker's for one node, `<cache>/cluster` for more). */
  home?: string;
}

/**
 * A cluster of one is the single broker (same ports, same state directory, so its data carries over); from two nodes
 * on, node n is `node-n` under the cluster's directory, on client port port + 2(n - 1) and controller port one above:
 * 9092/9093, 9094/9095, 9096/9097 by default.
 */
export function clusterLayout(options: ClusterLayoutOptions): ClusterLayout {
  const { brokers, port } = options;
  if (!Number.isInteger(brokers) || brokers < 1 || brokers > 9) throw new Error(`a local cluster has 1 to 9 brokers, got ${brokers}`);
  if (brokers === 1) {
    const layout = brokerLayout({ port, controllerPort: port === undefined ? undefined : port + 1, home: options.home });
    return {
      home: layout.home,
      clusterIdFile: join(layout.home, 'cluster.id'),
      nodes: [{ id: 1, layout }],
      bootstrap: layout.bootstrapAddress,
    };
  }
  const base = port ?? portFromEnvironment('LOCAL_KAFKA_PORT', 9092);
  if (base + 2 * brokers - 1 > 65_535) throw new Error(`port ${base} leaves no room for ${brokers} brokers`);
  const home = resolve(options.home ?? join(cacheRoot, 'cluster'));
  const nodes = Array.from({ length: brokers }, (_, index) => ({
    id: index + 1,
    layout: brokerLayout({ port: base + 2 * index, controllerPort: base + 2 * index + 1, home: join(home, `node-${index + 1}`) }),
  }));
  return { home, clusterIdFile: join(home, 'cluster.id'), nodes, bootstrap: nodes.map((node) => node.layout.bootstrapAddress).join(',') };
}

/** The default cluster directory's node directories (`node-1`, ...), whatever size it was started with. */
export const defaultClusterHome = join(cacheRoot, 'cluster');

/** The default broker's layout (the environment's, or 127.0.0.1:9092 under the cache directory). */
const defaults = brokerLayout();
export const configFile = defaults.configFile;
export const log4jFile = defaults.log4jFile;
export const dataDir = defaults.dataDir;
export const logsDir = defaults.logsDir;
export const pidFile = defaults.pidFile;
export const stdoutFile = defaults.stdoutFile;

export const host = defaults.host;
export const port = defaults.port;
export const controllerPort = defaults.controllerPort;
