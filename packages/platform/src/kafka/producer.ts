import { setTimeout as sleep } from 'node:timers/promises';
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
  /** Records sent in one produce request at most. */
  maxBatchRecords?: number;
  /** Produce requests in flight at once; publishes that arrive meanwhile wait and go out together in the next one. */
  maxInFlightBatches?: number;
}

export class ProduceDeadlineError extends Error {}

interface Pending {
  records: OutgoingRecord[];
  enqueuedAt: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * An idempotent producer that waits for every in-sync replica (acks=all): a publish resolves only once the record is
 * durable, which is what lets the gateway acknowledge a customer's request. Values are JSON.
 *
 * Batching without linger: publishes that arrive while `maxInFlightBatches` produce requests are outstanding are
 * queued and sent together in one request, so a quiet producer pays one round trip and a busy one amortises it.
 *
 * While the broker is unreachable the client keeps a send queued indefinitely. A publish is therefore cut at
 * `deadlineMs`, and the client that holds the queued send is closed and replaced: the caller was told "not published",
 * so the record must not slip out later.
 */
export class KafkaProducer {
  readonly #connection: KafkaConnection;
  readonly #options: Required<ProducerOptions>;
  #client: Producer<Buffer, Buffer, Buffer, Buffer>;
  #queue: Pending[] = [];
  #inFlight = 0;
  #flushScheduled = false;

  constructor(connection: KafkaConnection, options: ProducerOptions = {}) {
    this.#connection = connection;
    this.#options = {
      timeoutMs: options.timeoutMs ?? 5_000,
      retries: options.retries ?? 3,
      deadlineMs: options.deadlineMs ?? 10_000,
      maxBatchRecords: options.maxBatchRecords ?? 1_000,
      maxInFlightBatches: options.maxInFlightBatches ?? 2,
    };
    this.#client = this.#createClient();
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

  publishRecords(records: OutgoingRecord[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ records, enqueuedAt: Date.now(), resolve, reject });
      this.#scheduleFlush();
    });
  }

  /** Flushes on the next turn of the event loop, so publishes made in the same tick share one request. */
  #scheduleFlush(): void {
    if (this.#flushScheduled || this.#inFlight >= this.#options.maxInFlightBatches) return;
    this.#flushScheduled = true;
    setImmediate(() => {
      this.#flushScheduled = false;
      this.#flush();
    });
  }

  #flush(): void {
    while (this.#queue.length > 0 && this.#inFlight < this.#options.maxInFlightBatches) {
      const batch = this.#takeBatch();
      this.#inFlight++;
      this.#send(batch)
        .then(
          () => batch.forEach((pending) => pending.resolve()),
          (error: Error) => batch.forEach((pending) => pending.reject(error)),
        )
        .finally(() => {
          this.#inFlight--;
          if (this.#queue.length > 0) this.#scheduleFlush();
        });
    }
  }

  #takeBatch(): Pending[] {
    const batch: Pending[] = [];
    let count = 0;
    while (this.#queue.length > 0 && (batch.length === 0 || count + this.#queue[0]!.records.length <= this.#options.maxBatchRecords)) {
      const next = this.#queue.shift()!;
      batch.push(next);
      count += next.records.length;
    }
    return batch;
  }

  async #send(batch: Pending[]): Promise<void> {
    const client = this.#client;
    const remainingMs = Math.max(0, batch[0]!.enqueuedAt + this.#options.deadlineMs - Date.now());
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new ProduceDeadlineError(`the broker did not acknowledge within ${this.#options.deadlineMs} ms`)),
        remainingMs,
      );
    });
    try {
      await Promise.race([client.send({ messages: batch.flatMap((pending) => pending.records.map(toMessage)) }), deadline]);
    } catch (error) {
      if (error instanceof ProduceDeadlineError && this.#client === client) {
        this.#client = this.#createClient();
        client.close().catch(() => {});
      }
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Waits for queued and in-flight publishes (each bounded by its deadline), then closes the client. */
  async close(): Promise<void> {
    const until = Date.now() + this.#options.deadlineMs;
    while ((this.#queue.length > 0 || this.#inFlight > 0) && Date.now() < until) await sleep(5);
    await this.#client.close();
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
