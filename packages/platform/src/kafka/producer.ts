import { Producer, ProduceAcks } from '@platformatic/kafka';
import type { KafkaConnection } from './connection.ts';

export interface OutgoingRecord {
  topic: string;
  key: string;
  value: Buffer;
  headers?: Record<string, string>;
}

export interface ProducerOptions {
  /** Per-request timeout of the client. */
  timeoutMs?: number;
  retries?: number;
  /** The longest a publish may take before it is rejected (and its client replaced, so the send cannot go out later). */
  deadlineMs?: number;
}

export class ProduceDeadlineError extends Error {}

/**
 * An idempotent producer that waits for every in-sync replica (acks=all): a publish resolves only once the record is
 * durable, which is what lets the gateway acknowledge a customer's request. Values are JSON.
 *
 * While the broker is unreachable the client keeps a send queued indefinitely. A publish is therefore cut at
 * `deadlineMs`, and the client that holds the queued send is closed and replaced: the caller was told "not published",
 * so the record must not slip out later.
 */
export class KafkaProducer {
  readonly #connection: KafkaConnection;
  readonly #options: Required<ProducerOptions>;
  #producer: Producer<Buffer, Buffer, Buffer, Buffer>;

  constructor(connection: KafkaConnection, options: ProducerOptions = {}) {
    this.#connection = connection;
    this.#options = { timeoutMs: options.timeoutMs ?? 5_000, retries: options.retries ?? 3, deadlineMs: options.deadlineMs ?? 10_000 };
    this.#producer = this.#createClient();
  }

  #createClient(): Producer<Buffer, Buffer, Buffer, Buffer> {
    return new Producer({
      clientId: `${this.#connection.clientId}-producer`,
      bootstrapBrokers: this.#connection.brokers,
      idempotent: true,
      acks: ProduceAcks.ALL,
      timeout: this.#options.timeoutMs,
      retries: this.#options.retries,
      retryDelay: 250,
    });
  }

  /** Publishes one JSON message keyed by `key`; resolves after the broker acknowledged it. */
  async publish(topic: string, key: string, value: unknown, headers?: Record<string, string>): Promise<void> {
    await this.publishRecords([{ topic, key, value: Buffer.from(JSON.stringify(value)), headers }]);
  }

  async publishRecords(records: OutgoingRecord[]): Promise<void> {
    const client = this.#producer;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new ProduceDeadlineError(`the broker did not acknowledge within ${this.#options.deadlineMs} ms`)),
        this.#options.deadlineMs,
      );
    });
    try {
      await Promise.race([client.send({ messages: records.map(toMessage) }), deadline]);
    } catch (error) {
      if (error instanceof ProduceDeadlineError && this.#producer === client) {
        this.#producer = this.#createClient();
        client.close().catch(() => {});
      }
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    await this.#producer.close();
  }
}

function toMessage(record: OutgoingRecord) {
  return {
    topic: record.topic,
    key: Buffer.from(record.key),
    value: record.value,
    headers: record.headers ? new Map(Object.entries(record.headers).map(([k, v]) => [Buffer.from(k), Buffer.from(v)])) : undefined,
  };
}
