import { Producer, ProduceAcks } from '@platformatic/kafka';
import type { KafkaConnection } from './connection.ts';

export interface OutgoingRecord {
  topic: string;
  key: string;
  value: Buffer;
  headers?: Record<string, string>;
}

/**
 * An idempotent producer that waits for every in-sync replica (acks=all): a send resolves only once the record is
 * durable, which is what lets the gateway acknowledge a customer's request. Values are JSON.
 */
export class KafkaProducer {
  readonly #producer: Producer<Buffer, Buffer, Buffer, Buffer>;

  constructor(connection: KafkaConnection, options: { timeoutMs?: number; retries?: number } = {}) {
    this.#producer = new Producer({
      clientId: `${connection.clientId}-producer`,
      bootstrapBrokers: connection.brokers,
      idempotent: true,
      acks: ProduceAcks.ALL,
      timeout: options.timeoutMs ?? 5_000,
      retries: options.retries ?? 3,
      retryDelay: 250,
    });
  }

  /** Publishes one JSON message keyed by `key`; resolves after the broker acknowledged it. */
  async publish(topic: string, key: string, value: unknown, headers?: Record<string, string>): Promise<void> {
    await this.publishRecords([{ topic, key, value: Buffer.from(JSON.stringify(value)), headers }]);
  }

  async publishRecords(records: OutgoingRecord[]): Promise<void> {
    await this.#producer.send({
      messages: records.map((record) => ({
        topic: record.topic,
        key: Buffer.from(record.key),
        value: record.value,
        headers: record.headers ? new Map(Object.entries(record.headers).map(([k, v]) => [Buffer.from(k), Buffer.from(v)])) : undefined,
      })),
    });
  }

  async close(): Promise<void> {
    await this.#producer.close();
  }
}
