import { startBroker, stopBroker } from '@voucher/local-kafka';

/**
 * Uses KAFKA_BROKERS when it is set; otherwise provisions and starts the project's own broker. Returns a function that
 * stops the broker only if this call started it.
 */
export async function ensureBroker(log: (line: string) => void): Promise<() => Promise<void>> {
  if (process.env.KAFKA_BROKERS) {
    log(`using the Kafka cluster at ${process.env.KAFKA_BROKERS}`);
    return async () => {};
  }
  const started = await startBroker((line) => log(`[kafka] ${line}`));
  return started ? () => stopBroker((line) => log(`[kafka] ${line}`)) : async () => {};
}
