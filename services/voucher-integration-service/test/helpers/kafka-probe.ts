import { decodeReceiveCode, type ReceiveCodeMessage, type RequestCodeMessage } from '@voucher/contracts';
import { KafkaProducer, runConsumer, type KafkaConnection, type RunningConsumer } from '@voucher/platform/kafka';
import type { Logger } from '@voucher/platform/logging';
import { waitForConsumed } from '@voucher/platform/testing';

/** The test topics' partitions (KAFKA_TOPIC_PARTITIONS in the harness). */
const PARTITIONS = 2;

export interface DeadLetter {
  value: string;
}

/**
 * The test's view of Kafka in its own namespace: it publishes request-code messages (as the gateway does) and
 * records every receive-code message and every request-code dead letter.
 */
export class KafkaProbe {
  readonly received: ReceiveCodeMessage[] = [];
  /** The Kafka key each receive-code message came with, by requestId. */
  readonly keys = new Map<string, string>();
  readonly deadLetters: DeadLetter[] = [];
  readonly #producer: KafkaProducer;
  readonly #consumers: RunningConsumer[] = [];
  readonly #connection: KafkaConnection;
  readonly #namespace: string;
  readonly #logger: Logger;

  constructor(brokers: string[], namespace: string, logger: Logger) {
    this.#connection = { brokers, clientId: 'integration-test-probe' };
    this.#namespace = namespace;
    this.#logger = logger;
    this.#producer = new KafkaProducer(this.#connection);
  }

  async start(): Promise<void> {
    const common = { connection: this.#connection, producer: this.#producer, logger: this.#logger };
    this.#consumers.push(
      await runConsumer({
        ...common,
        groupId: `${this.#namespace}test-probe-receive-code`,
        topic: `${this.#namespace}receive-code`,
        decode: decodeReceiveCode,
        handle: async (message, context) => {
          this.received.push(message);
          this.keys.set(message.requestId, context.key);
        },
      }),
      await runConsumer({
        ...common,
        groupId: `${this.#namespace}test-probe-dead-letters`,
        topic: `${this.#namespace}request-code.dlq`,
        decode: (bytes) => ({ ok: true, value: bytes.toString('utf8') }),
        handle: async (value) => void this.deadLetters.push({ value }),
      }),
    );
  }

  async publishRequest(message: RequestCodeMessage | Record<string, unknown>, key = String(message.phoneNumber ?? 'x')): Promise<void> {
    await this.#producer.publish(`${this.#namespace}request-code`, key, message);
  }

  async publishRaw(value: string): Promise<void> {
    await this.#producer.publishRecords([{ topic: `${this.#namespace}request-code`, key: 'raw', value: Buffer.from(value) }]);
  }

  /** Resolves once every receive-code record published so far has been read (the probe's group committed past it). */
  caughtUp(): Promise<void> {
    return waitForConsumed(
      `${this.#namespace}test-probe-receive-code`,
      `${this.#namespace}receive-code`,
      PARTITIONS,
      this.#connection.brokers,
    );
  }

  receivedFor(requestId: string): ReceiveCodeMessage[] {
    return this.received.filter((message) => message.requestId === requestId);
  }

  async close(): Promise<void> {
    for (const consumer of this.#consumers) await consumer.close();
    await this.#producer.close();
  }
}
