import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startCluster, stopCluster } from '@voucher/local-kafka';
import { serverLayout, startPostgres, stopPostgres } from '@voucher/local-postgres';
import { stablePort, stablePorts } from './ports.ts';

type Log = (line: string) => void;

/**
 * The run's own Kafka cluster (one broker, or several KRaft nodes) and PostgreSQL server, on free ports and in a
 * temporary directory: the shared ones (127.0.0.1:9092, :54320, :5432) are never touched. A Kafka node and the
 * database server can be crashed (SIGKILL) and started again on the same data.
 */
export interface Infrastructure {
  /** The run's temporary directory (broker state, database cluster, service logs); deleted by stop(). */
  dir: string;
  brokers: string[];
  /** The Kafka nodes' ids (1 to the cluster's size). */
  brokerNodes: number[];
  databaseUrl: string;
  killBroker(node: number): Promise<void>;
  restartBroker(node: number): Promise<void>;
  /** Whether every Kafka partition has all its replicas in sync (a node started again has caught up). */
  brokersInSync(): Promise<boolean>;
  killPostgres(): Promise<void>;
  restartPostgres(): Promise<void>;
  /** Stops both servers (if running) and deletes the directory; safe to call twice. */
  stop(): Promise<void>;
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Tries `start` a few times: a server restarted right after a crash occasionally needs a second go. */
async function withRetries(
  what: string,
  start: () => Promise<unknown>,
  reset: () => Promise<unknown>,
  log: Log,
  stopped: () => boolean,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    if (stopped()) throw new Error(`not starting ${what}: the run is cleaning up`);
    try {
      await start();
      return;
    } catch (error) {
      if (attempt >= 4) throw error;
      log(`${what} failed to start (attempt ${attempt}): ${(error as Error).message.split('\n').slice(0, 12).join(' | ')}; retrying`);
      await reset().catch(() => {});
      await sleep(1_000);
    }
  }
}

export async function startInfrastructure(log: Log, taken: Set<number>, brokerCount = 1): Promise<Infrastructure> {
  const dir = mkdtempSync(join(tmpdir(), 'voucher-chaos-'));
  // As root the database server runs as the `postgres` user, which must be able to reach its cluster in here.
  chmodSync(dir, 0o755);
  mkdirSync(join(dir, 'data'), { mode: 0o755 });
  const pgEnv: NodeJS.ProcessEnv = { DATA_DIR: join(dir, 'data'), LOCAL_POSTGRES_PORT: String(await stablePort(taken)) };
  const pgLog: Log = (line) => log(`[postgres] ${line}`);
  const kafkaLog: Log = (line) => log(`[kafka] ${line}`);
  // Node n of the cluster listens on port + 2(n - 1) and its controller one above: a block of consecutive ports.
  const [kafkaPort] = await stablePorts(taken, 2 * brokerCount);
  const clusterOptions = { brokers: brokerCount, port: kafkaPort!, home: join(dir, 'kafka'), log: kafkaLog };
  let stopped = false;
  /** Restarts under way: stop() lets them finish first, so no server comes up after the clean-up. */
  const starting = new Set<Promise<void>>();
  const tracked = (start: () => Promise<void>) => () => {
    const promise = start();
    starting.add(promise);
    return promise.finally(() => starting.delete(promise));
  };

  /** The server's process group: its postmaster and every backend (a crash takes them all). */
  const postmasterPid = (): number | undefined => {
    const file = join(serverLayout(pgEnv).pgdata, 'postmaster.pid');
    if (!existsSync(file)) return undefined;
    const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : undefined;
  };
  const killServerGroup = async (pid: number) => {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // the group is already gone
    }
    for (let i = 0; i < 100 && isAlive(pid); i++) await sleep(50);
  };

  const killPostgresGroup = async () => {
    const pid = postmasterPid();
    await stopPostgres(pgLog, pgEnv, { kill: true });
    // Backends outlive a SIGKILLed postmaster for a moment and would keep the next one from starting.
    if (pid !== undefined) await killServerGroup(pid);
  };

  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await Promise.allSettled([...starting]);
    // By the nodes' pid files: also the nodes of a cluster that failed to start.
    await stopCluster(clusterOptions).catch((error: Error) => kafkaLog(`stopping failed: ${error.message}`));
    const pid = postmasterPid();
    await stopPostgres(pgLog, pgEnv).catch((error: Error) => log(`[postgres] stopping failed: ${error.message}`));
    if (pid !== undefined && isAlive(pid)) await killServerGroup(pid);
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    const kafka = await startCluster(clusterOptions);
    const server = await startPostgres(pgLog, pgEnv);
    const databaseUrl = await server.databaseUrl('voucher_chaos');
    return {
      dir,
      brokers: kafka.bootstrap.split(','),
      brokerNodes: kafka.nodes.map((node) => node.id),
      databaseUrl,
      killBroker: (node) => kafka.killNode(node),
      restartBroker: (node) =>
        tracked(() =>
          withRetries(
            `Kafka node ${node}`,
            () => kafka.startNode(node),
            () => kafka.killNode(node),
            kafkaLog,
            () => stopped,
          ),
        )(),
      brokersInSync: () => kafka.inSync(),
      killPostgres: killPostgresGroup,
      restartPostgres: tracked(() =>
        withRetries(
          'PostgreSQL',
          () => startPostgres(pgLog, pgEnv),
          () => killPostgresGroup(),
          pgLog,
          () => stopped,
        ),
      ),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
