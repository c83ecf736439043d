import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { writeConfiguration } from './configuration.ts';
import { clusterLayout, defaultClusterHome, type ClusterLayout, type ClusterLayoutOptions } from './layout.ts';
import {
  brokersSeenBy,
  replicasInSync,
  CLUSTER_NODE_HEAP,
  formatStorage,
  isAlive,
  launchNode,
  newClusterId,
  readPid,
  SINGLE_NODE_HEAP,
  stopNode,
  waitUntilReady,
  type Log,
} from './node.ts';
import { provisionJars } from './provision.ts';

export interface StartClusterOptions extends ClusterLayoutOptions {
  log?: Log;
  /** How long the nodes may take to accept clients (default 4 minutes: several JVMs on a small machine are slow). */
  timeoutMs?: number;
}

export interface LocalCluster {
  /** Every node's client address: 'host:port,host:port,...' (KAFKA_BROKERS). */
  bootstrap: string;
  nodes: Array<{ id: number; port: number }>;
  /** False when the whole cluster was already running: stop() then leaves it alone too. */
  started: boolean;
  /** SIGKILL one node: a crash, no clean shutdown. Resolves once its process is gone. */
  killNode(id: number): Promise<void>;
  /** Starts one node again on the same data; resolves once it accepts clients. */
  startNode(id: number): Promise<void>;
  /**
   * Whether every partition of every topic (but the internal ones) has all its replicas in sync: a node started again
   * has caught up, so the cluster can lose another node without a partition falling below its minimum in-sync replicas.
   */
  inSync(): Promise<boolean>;
  /** Stops every node (SIGTERM, SIGKILL after 20 s), if this call started the cluster. */
  stop(): Promise<void>;
}

const STOP_GRACE_MS = 20_000;

/** The id every node is formatted with: kept in the cluster's directory, so a node formatted later joins the same cluster. */
function clusterId(layout: ClusterLayout): string {
  if (existsSync(layout.clusterIdFile)) return readFileSync(layout.clusterIdFile, 'utf8').trim();
  const id = newClusterId();
  mkdirSync(layout.home, { recursive: true });
  writeFileSync(layout.clusterIdFile, id);
  return id;
}

/**
 * Starts a KRaft cluster of `brokers` nodes on this machine, each both broker and controller, the controller quorum of
 * all of them, from the Maven-provisioned jars; resolves once every node accepts clients and sees all the others.
 * Nodes already running from that directory are kept; if the whole cluster runs already, nothing is started. A port
 * answered by some other Kafka is an error (one broker: it is used, as startBroker does).
 */
export async function startCluster(options: StartClusterOptions): Promise<LocalCluster> {
  const log = options.log ?? console.log;
  const timeoutMs = options.timeoutMs ?? 240_000;
  const layout = clusterLayout(options);
  const heap = layout.nodes.length === 1 ? SINGLE_NODE_HEAP : CLUSTER_NODE_HEAP;
  const node = (id: number) => {
    const found = layout.nodes.find((candidate) => candidate.id === id);
    if (!found) throw new Error(`the cluster has no node ${id} (nodes 1-${layout.nodes.length})`);
    return found.layout;
  };
  const ours = (id: number) => {
    const pid = readPid(node(id));
    return pid !== undefined && isAlive(pid);
  };

  const seen = await Promise.all(layout.nodes.map(({ layout: nodeLayout }) => brokersSeenBy(nodeLayout)));
  const running = seen.every((count) => count !== undefined && count >= layout.nodes.length);
  if (running) log(`a Kafka cluster already accepts clients on ${layout.bootstrap}; leaving it alone`);
  else {
    const foreign = layout.nodes.filter(({ id }, index) => seen[index] !== undefined && !ours(id));
    if (foreign.length > 0)
      throw new Error(
        `${foreign.map(({ layout: nodeLayout }) => nodeLayout.bootstrapAddress).join(', ')}: a Kafka broker that is not a node of ` +
          `${layout.home} answers there (stop it, e.g. npm run kafka:stop, or choose another --port)`,
      );
    provisionJars(log);
    const id = clusterId(layout);
    const missing = layout.nodes.filter(({ id: nodeId }) => !ours(nodeId));
    for (const { id: nodeId, layout: nodeLayout } of missing) writeConfiguration(nodeLayout, { nodeId, nodes: layout.nodes });
    await Promise.all(missing.map(({ layout: nodeLayout }) => formatStorage(nodeLayout, id, log)));
    const launched = missing.map(({ layout: nodeLayout }) => ({ layout: nodeLayout, pid: launchNode(nodeLayout, heap) }));
    log(`starting ${launched.length} Kafka node(s) (pids ${launched.map((started) => started.pid).join(', ')}) of ${layout.bootstrap}`);
    // Every node first (the quorum needs a majority to elect a controller), then wait for all of them.
    await Promise.all(launched.map((started) => waitUntilReady(started.layout, started.pid, timeoutMs, layout.nodes.length)));
    log(`Kafka cluster of ${layout.nodes.length} ready on ${layout.bootstrap}`);
  }

  return {
    bootstrap: layout.bootstrap,
    nodes: layout.nodes.map(({ id, layout: nodeLayout }) => ({ id, port: nodeLayout.port })),
    started: !running,
    async killNode(id) {
      await stopNode(node(id), 0);
    },
    async startNode(id) {
      if (ours(id)) return;
      const pid = launchNode(node(id), heap);
      log(`starting Kafka node ${id} (pid ${pid}) on ${node(id).bootstrapAddress}`);
      await waitUntilReady(node(id), pid, timeoutMs);
    },
    inSync: () => replicasInSync(layout.bootstrap.split(',')),
    async stop() {
      if (running) return;
      await stopNodes(layout, log);
    },
  };
}

async function stopNodes(layout: ClusterLayout, log: Log): Promise<void> {
  const stopped = await Promise.all(layout.nodes.map(({ layout: nodeLayout }) => stopNode(nodeLayout, STOP_GRACE_MS)));
  const pids = stopped.filter((pid) => pid !== undefined);
  log(pids.length === 0 ? `no Kafka node of ${layout.home} is running` : `Kafka node(s) stopped (pids ${pids.join(', ')})`);
}

/** How many nodes (`node-n` directories) the cluster directory holds. */
const nodeCount = (home: string): number => (existsSync(home) ? readdirSync(home).filter((name) => /^node-\d+$/.test(name)).length : 0);

/**
 * Stops every node of the cluster in `home` (default: the default cluster, whatever size it was started with), SIGTERM
 * then SIGKILL after 20 s. Returns how many nodes the directory holds (0: no cluster there).
 */
export async function stopCluster(options: Partial<ClusterLayoutOptions> & { log?: Log }): Promise<number> {
  const log = options.log ?? console.log;
  const home = resolve(options.home ?? defaultClusterHome);
  const brokers = options.brokers ?? nodeCount(home);
  if (brokers === 0) {
    log(`no Kafka cluster in ${home}`);
    return 0;
  }
  await stopNodes(clusterLayout({ ...options, brokers }), log);
  return brokers;
}
