import { setTimeout as sleep } from 'node:timers/promises';
import { findErrorBy, Producer, ProduceAcks } from '@platformatic/kafka';
import { Batcher } from '../batching/index.ts';
import { startSend } from '../telemetry/messaging.ts';
import { clientOptions, type KafkaConnection } from './connection.ts';

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
  /** Publish calls combined into one produce request at most. */
  maxBatchRecords?: number;
  /** Produce requests in flight at once (default 1); publishes that arrive meanwhile go out together in the next one. */
  maxInFlightBatches?: number;
}

export class ProduceDeadlineError extends Error {}

/**
 * The broker's answers that no retry can change: the principal may not write the topic (an ACL an operator must grant),
 * or the record is too large or malformed. Sending again on any client gets the same answer, so such a publish fails at
 * once instead of at its deadline, with the broker's own error.
 */
const REFUSALS_FOR_GOOD = [
  'TOPIC_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
  'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
  'MESSAGE_TOO_LARGE',
  'RECORD_LIST_TOO_LARGE',
  'INVALID_RECORD',
  'INVALID_TOPIC_EXCEPTION',
];

function refusedForGood(error: unknown): boolean {
  return error instanceof Error && REFUSALS_FOR_GOOD.some((id) => findErrorBy(error, 'apiId', id) !== null);
}

interface Publish {
  records: OutgoingRecord[];
  enqueuedAt: number;
}

/**
 * An idempotent producer that waits for every in-sync replica (acks=all): a publish resolves only once the record is
 * durable, which is what lets the gateway acknowledge a customer's request. Values are JSON.
 *
 * Publishes are batched adaptively (see Batcher): those that arrive while produce requests are in flight go out
 * together in the next one, so a quiet producer pays one round trip and a busy one amortises it.
 *
 * While the broker is unreachable the client keeps a send queued indefinitely. A publish is therefore cut at
 * `deadlineMs`, and the client that holds the queued send is closed and replaced: the caller was told "not published",
 * so the record must not slip out later.
 *
 * Any other failed send, unless the broker refused the record for good (an ACL, its size), also replaces the client
 * (once its other sends have settled) and is tried again on the new one until the deadline: after a broker outage,
 * restart or leader change the old client's connections, cached metadata and idempotent-producer state may be stale,
 * and a fresh client makes the next try work without a process restart. It costs one InitProducerId request, and only
 * after a failure.
 */
export class KafkaProducer {
  readonly #connection: KafkaConnection;
  readonly #options: Required<ProducerOptions>;
  readonly #batcher: Batcher<Publish>;
  #client: Producer<Buffer, Buffer, Buffer, Buffer>;
  /** Sends in flight per client, so that a replaced client is closed once its last send settled. */
  readonly #inFlight = new Map<Producer<Buffer, Buffer, Buffer, Buffer>, number>();
  readonly #retired = new Set<Producer<Buffer, Buffer, Buffer, Buffer>>();

  constructor(connection: KafkaConnection, options: ProducerOptions = {}) {
    this.#connection = connection;
    this.#options = {
      timeoutMs: options.timeoutMs ?? 5_000,
      retries: options.retries ?? 3,
      deadlineMs: options.deadlineMs ?? 10_000,
      maxBatchRecords: options.maxBatchRecords ?? 1_000,
      maxInFlightBatches: options.maxInFlightBatches ?? 1,
    };
    this.#client = this.#createClient();
    this.#batcher = new Batcher((batch) => this.#send(batch), {
      maxBatch: this.#options.maxBatchRecords,
      maxInFlight: this.#options.maxInFlightBatches,
    });
  }

  #createClient(): Producer<Buffer, Buffer, Buffer, Buffer> {
    return new Producer({
      ...clientOptions(this.#connection, 'producer'),
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

  /**
   * Publishes records; resolves once the broker has them all. Each record carries the trace context (W3C traceparent)
   * and requestId of the publish, in a `send <topic>` span, or continues those its headers already carry (see startSend).
   */
  publishRecords(records: OutgoingRecord[]): Promise<void> {
    const sends = records.map((record) => startSend(record.topic, record.headers));
    const published = this.#batcher.add({
      records: records.map((record, index) => ({ ...record, headers: sends[index]!.headers })),
      enqueuedAt: Date.now(),
    });
    published.then(
      () => sends.forEach((send) => send.end()),
      (error: unknown) => sends.forEach((send) => send.end(error)),
    );
    return published;
  }

  /** Stops giving `client` new sends; closes it now (`immediately`) or once its sends in flight have settled. */
  #replace(client: Producer<Buffer, Buffer, Buffer, Buffer>, immediately: boolean): void {
    if (this.#client === client) this.#client = this.#createClient();
    this.#retired.add(client);
    if (immediately || !this.#inFlight.get(client)) this.#closeRetired(client);
  }

  #closeRetired(client: Producer<Buffer, Buffer, Buffer, Buffer>): void {
    this.#retired.delete(client);
    this.#inFlight.delete(client);
    client.close().catch(() => {});
  }

  /**
   * Sends a batch, and sends it again on a fresh client after a failure for as long as its deadline allows: while a
   * cluster elects new leaders for a lost broker's partitions (seconds), sends fail fast, and a publish that gives up
   * then would fail a customer's request that a second try moments later would have placed. A record a failed try did
   * write goes out twice; consumers are idempotent on requestId (docs/CONTRACT.md). A refusal for good (see
   * REFUSALS_FOR_GOOD) is not tried again.
   */
  async #send(batch: Publish[]): Promise<void[]> {
    const deadlineAt = batch[0]!.enqueuedAt + this.#options.deadlineMs;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#sendOnce(this.#client, batch, deadlineAt);
        return batch.map(() => undefined);
      } catch (error) {
        const pauseMs = Math.min(1_000, 100 * 2 ** (attempt - 1));
        if (error instanceof ProduceDeadlineError || refusedForGood(error) || Date.now() + pauseMs >= deadlineAt) throw error;
        await sleep(pauseMs);
      }
    }
  }

  async #sendOnce(client: Producer<Buffer, Buffer, Buffer, Buffer>, batch: Publish[], deadlineAt: number): Promise<void> {
    this.#inFlight.set(client, (this.#inFlight.get(client) ?? 0) + 1);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new ProduceDeadlineError(`the broker did not acknowledge within ${this.#options.deadlineMs} ms`)),
        Math.max(0, deadlineAt - Date.now()),
      );
    });
    try {
      await Promise.race([client.send({ messages: batch.flatMap((publish) => publish.records.map(toMessage)) }), deadline]);
    } catch (error) {
      // A refusal says nothing against the client: its connections and producer state are sound.
      if (!refusedForGood(error)) this.#replace(client, error instanceof ProduceDeadlineError);
      throw error;
    } finally {
      clearTimeout(timer);
      const left = (this.#inFlight.get(client) ?? 1) - 1;
      if (left > 0) this.#inFlight.set(client, left);
      else this.#inFlight.delete(client);
      if (left <= 0 && this.#retired.has(client)) this.#closeRetired(client);
    }
  }

  /** Waits for queued and in-flight publishes (each bounded by its deadline), then closes the client. */
  async close(): Promise<void> {
    await this.#batcher.drained();
    for (const client of this.#retired) this.#closeRetired(client);
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
