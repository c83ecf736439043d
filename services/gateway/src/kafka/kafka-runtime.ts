import { setTimeout as sleep } from 'node:timers/promises';
import { decodeReceiveCode, ConsumerGroups, Topics, type ReceiveCodeMessage } from '@voucher/contracts';
import type { Metrics } from '@voucher/platform/http';
import {
  consumerNotReadyReason,
  ensureTopics,
  KafkaProducer,
  namespaced,
  runConsumer,
  type ConsumerHealth,
  type RunningConsumer,
} from '@voucher/platform/kafka';
import type { Logger } from '@voucher/platform/logging';
import type { Config } from '../config.ts';

export interface KafkaRuntime {
  producer: KafkaProducer;
  /**
   * True while the receive-code consumer is running and not stalled: it has started, is connected to its group (not
   * reconnecting after losing the broker), and is not sitting on waiting records without finishing any.
   */
  readonly consumerRunning: boolean;
  /** Why the consumer is not ready (for /readyz), or undefined when it is. */
  consumerNotReady(): string | undefined;
  /** The receive-code consumer's state, progress and lag; undefined until it has started. */
  consumerHealth(): ConsumerHealth | undefined;
  close(): Promise<void>;
}

/** Retries of the start-up: a broker that is down when the gateway starts is waited for, not fatal. */
const START_RETRY_MS = { first: 500, max: 10_000 };

const gatewayConnection = (config: Config) => ({ brokers: config.KAFKA_BROKERS, clientId: `gateway-${config.GATEWAY_REPLICA_ID}` });

/** The request-code producer as the gateway configures it (the bench's limit baseline publishes through the same). */
export function createRequestProducer(config: Config): KafkaProducer {
  return new KafkaProducer(gatewayConnection(config), {
    // Each try is short, so that a try sent to a broker that just died is given up and made again within the deadline.
    timeoutMs: Math.min(config.PRODUCE_TIMEOUT_MS, 3_000),
    retries: 2,
    deadlineMs: config.PRODUCE_TIMEOUT_MS,
  });
}

/**
 * The gateway's Kafka side: the request-code producer, and the receive-code consumer started in the background so
 * the HTTP side comes up (and reports not ready, and answers 503) while the broker is unreachable.
 */
export function startKafka(
  config: Config,
  logger: Logger,
  handle: (message: ReceiveCodeMessage) => Promise<void>,
  metrics?: Metrics,
): KafkaRuntime {
  const connection = gatewayConnection(config);
  const producer = createRequestProducer(config);
  const stopping = new AbortController();
  let consumer: RunningConsumer | undefined;

  const startConsumer = async () => {
    const topic = namespaced(config.KAFKA_NAMESPACE, Topics.receiveCode);
    const layout = { partitions: config.KAFKA_TOPIC_PARTITIONS, replicationFactor: config.KAFKA_REPLICATION_FACTOR };
    await ensureTopics(connection, [namespaced(config.KAFKA_NAMESPACE, Topics.requestCode), topic], layout);
    return runConsumer({
      connection,
      groupId: namespaced(config.KAFKA_NAMESPACE, ConsumerGroups.gateway),
      topic,
      decode: decodeReceiveCode,
      handle,
      producer,
      logger,
      concurrency: config.CONSUMER_CONCURRENCY,
      metrics,
      // A code is money: an SMS gateway or database outage is waited out however long it lasts (only a message the
      // handler rejects as bad is dead-lettered), retrying at most every 30 s.
      retryMaxDelayMs: 30_000,
    });
  };

  const started = (async () => {
    for (let delay = START_RETRY_MS.first; !stopping.signal.aborted; delay = Math.min(delay * 2, START_RETRY_MS.max)) {
      try {
        const running = await startConsumer();
        if (stopping.signal.aborted) return running.close();
        consumer = running;
        logger.info('receive-code consumer started');
        return;
      } catch (error) {
        logger.warn({ err: error, retryInMs: delay }, 'Kafka is not reachable; retrying');
        await sleep(delay, undefined, { signal: stopping.signal }).catch(() => {});
      }
    }
  })();

  const consumerNotReady = () =>
    consumer ? consumerNotReadyReason(consumer.health()) : 'the receive-code consumer has not started (is Kafka reachable?)';

  return {
    producer,
    get consumerRunning() {
      return consumerNotReady() === undefined;
    },
    consumerNotReady,
    consumerHealth: () => consumer?.health(),
    async close() {
      stopping.abort();
      await consumer?.close();
      await producer.close(); // also ends a start-up attempt still waiting on the broker
      await started;
    },
  };
}
