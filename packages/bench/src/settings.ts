/** How much load each scenario applies; `--quick` is a shorter run of every scenario (the whole run within 20 minutes). */
export interface BenchSettings {
  quick: boolean;
  /** autocannon: seconds per measured run, after a short warm-up, and connections. */
  httpSeconds: number;
  warmupSeconds: number;
  connections: number;
  /** pipeline: a burst to find the sustained rate, then a paced run at half of it. */
  pipelineBurst: number;
  pipelinePacedSeconds: number;
  /** slowProvider: request-code messages sent at once. */
  slowProviderMessages: number;
  /** query: rows in the table, and codes of the one number queried. */
  queryRows: number;
  queryOwnCodes: number;
  /** sse: streams opened on one gateway. */
  sseConnections: number;
}

export function benchSettings(quick: boolean): BenchSettings {
  return quick
    ? {
        quick,
        httpSeconds: 8,
        warmupSeconds: 2,
        connections: 50,
        pipelineBurst: 15_000,
        pipelinePacedSeconds: 10,
        slowProviderMessages: 12_000,
        queryRows: 1_000_000,
        queryOwnCodes: 50,
        sseConnections: 10_000,
      }
    : {
        quick,
        httpSeconds: 30,
        warmupSeconds: 5,
        connections: 100,
        pipelineBurst: 60_000,
        pipelinePacedSeconds: 60,
        slowProviderMessages: 24_000,
        queryRows: 1_000_000,
        queryOwnCodes: 50,
        sseConnections: 10_000,
      };
}
