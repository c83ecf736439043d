/** How much load each scenario applies; `--quick` is a shorter run of every scenario (the whole run within 20 minutes). */
export interface BenchSettings {
  quick: boolean;
  /** Each measured interval is run this many times; the median is the figure, min and max its spread. */
  repeats: number;
  /** Kafka nodes of the local cluster (`--brokers`; the shared cluster at KAFKA_BROKERS is used as it is). */
  brokers: number;
  /** Processes per bank service (`--replicas`). */
  replicas: number;
  /** Where every stack process writes a V8 CPU profile when it stops (`--cpu-prof DIR`); unset, none. */
  cpuProfileDir?: string;
  /** autocannon: seconds per measured run, after a short warm-up, and connections. */
  httpSeconds: number;
  warmupSeconds: number;
  connections: number;
  /** pipeline: a burst to find the sustained rate, then a paced run at half of it. */
  pipelineBurst: number;
  pipelinePacedSeconds: number;
  /** pipeline: purchases through the gateway, each with its page open (the per-hop breakdown from accepted to delivered). */
  purchaseRatePerSec: number;
  purchaseSeconds: number;
  /** slowProvider: request-code messages sent at once. */
  slowProviderMessages: number;
  /** query: rows in the table, and codes of the one number queried. */
  queryRows: number;
  queryOwnCodes: number;
  /** sse: streams opened on one gateway. */
  sseConnections: number;
}

export interface Topology {
  brokers: number;
  replicas: number;
  cpuProfileDir?: string;
}

export function benchSettings(quick: boolean, topology: Topology = { brokers: 1, replicas: 1 }): BenchSettings {
  const shared = { quick, repeats: 3, ...topology };
  return quick
    ? {
        ...shared,
        httpSeconds: 8,
        warmupSeconds: 2,
        connections: 50,
        pipelineBurst: 15_000,
        pipelinePacedSeconds: 10,
        purchaseRatePerSec: 200,
        purchaseSeconds: 10,
        slowProviderMessages: 12_000,
        queryRows: 1_000_000,
        queryOwnCodes: 50,
        sseConnections: 10_000,
      }
    : {
        ...shared,
        httpSeconds: 30,
        warmupSeconds: 5,
        connections: 100,
        pipelineBurst: 60_000,
        pipelinePacedSeconds: 60,
        purchaseRatePerSec: 500,
        purchaseSeconds: 30,
        slowProviderMessages: 24_000,
        queryRows: 1_000_000,
        queryOwnCodes: 50,
        sseConnections: 10_000,
      };
}
