import { startCluster } from '@voucher/local-kafka';

export interface EnsureBrokerOptions {
  /** Nodes of the local cluster to start when KAFKA_BROKERS is unset (default LOCAL_KAFKA_BROKERS, else 1). */
  brokers?: number;
}

function brokersFromEnvironment(): number {
  const raw = process.env.LOCAL_KAFKA_BROKERS;
  if (!raw?.trim()) return 1;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 9)
    throw new Error(`LOCAL_KAFKA_BROKERS must be an integer from 1 to 9, got '${raw}'`);
  return value;
}

/**
 * Uses KAFKA_BROKERS when it is set; otherwise provisions and starts the project's own cluster (one broker unless asked
 * for more) and sets KAFKA_BROKERS to its bootstrap list, so every child process started afterwards inherits it.
 * Returns a function that stops the cluster only if this call started it.
 */
export async function ensureBroker(log: (line: string) => void, options: EnsureBrokerOptions = {}): Promise<() => Promise<void>> {
  if (process.env.KAFKA_BROKERS) {
    log(`using the Kafka cluster at ${process.env.KAFKA_BROKERS}`);
    return async () => {};
  }
  const cluster = await startCluster({ brokers: options.brokers ?? brokersFromEnvironment(), log: (line) => log(`[kafka] ${line}`) });
  process.env.KAFKA_BROKERS = cluster.bootstrap;
  return () => cluster.stop();
}
