import type { Metrics } from '../http/metrics.ts';
import type { Logger } from '../logging/index.ts';
import type { KafkaConnection } from './connection.ts';
import type { KafkaProducer } from './producer.ts';

/** A decoder's answer (the contracts' decoders give it): the message, or why the bytes are not one. */
export type Decoded<T> = { ok: true; value: T } | { ok: false; reason: string };
/** Turns a record's bytes into a validated message, or says why it is not one (it then goes to the DLQ). */
export type Decoder<T> = (bytes: Buffer) => Decoded<T>;

export interface RecordContext {
  topic: string;
  partition: number;
  offset: bigint;
  key: string;
  attempt: number;
  /** When the record was made: its producer's send (CreateTime), or the broker's append if the topic says LogAppendTime. */
  timestamp: Date;
}

export interface ConsumerOptions<T> {
  connection: KafkaConnection;
  groupId: string;
  topic: string;
  decode: Decoder<T>;
  /**
   * Handles one message. Throwing PermanentError (or any error whose `retryable` is `false`) dead-letters the message
   * at once; any other error is retried with capped backoff for as long as the consumer runs.
   */
  handle: (message: T, context: RecordContext) => Promise<void>;
  /** Producer used for dead letters. */
  producer: KafkaProducer;
  logger: Logger;
  /** The process's metrics (`http.metrics`): consumer restarts and lag per partition are reported there. */
  metrics?: Metrics;
  /** Messages processed at once across all partitions; far beyond the partition count is the point. */
  concurrency?: number;
  /** First delay between attempts of a failing handler (and of a failing dead-letter publish). */
  retryBaseDelayMs?: number;
  /** The longest delay between attempts. */
  retryMaxDelayMs?: number;
  /** First delay before reconnecting after the consumer lost the broker or its group. */
  reconnectBaseDelayMs?: number;
  /** The longest delay between reconnection attempts. */
  reconnectMaxDelayMs?: number;
  /** Retries of one client request (fetch, commit, metadata) before the consumer treats the connection as broken. */
  clientRetries?: number;
  clientRetryDelayMs?: number;
  /** How often the lag (high watermark minus committed offset) of each assigned partition is read. */
  lagIntervalMs?: number;
  /**
   * With records waiting and none in flight, a consumer that fetched nothing for this long reconnects (a stream that
   * stopped without an error).
   */
  fetchStallMs?: number;
  /** How long close() waits for in-flight messages before giving up on them (they are redelivered later). */
  drainTimeoutMs?: number;
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
}

export interface ConsumerStats {
  /** Messages being handled (or dead-lettered) right now. */
  inFlight: number;
  /** Messages handled successfully. */
  processed: number;
  deadLettered: number;
  /** Handler attempts that failed with a transient error and were retried. */
  retries: number;
  /** Times the consumer lost its connection or group and reconnected. */
  restarts: number;
}

/** `running`: a member of its group, fetching; `reconnecting`: lost the broker or its group and getting them back. */
export type ConsumerState = 'running' | 'reconnecting' | 'closed';

export interface ConsumerHealth {
  topic: string;
  groupId: string;
  state: ConsumerState;
  /** When the current state began (epoch ms). */
  since: number;
  /** Why the consumer is not running, when it is not. */
  lastError?: string;
  /** When a message last finished (handled or dead-lettered), if ever (epoch ms). */
  lastProgressAt?: number;
  /** Records not yet committed per assigned partition (high watermark minus committed offset), from the last reading. */
  lag: Map<number, number>;
  /** Sum of `lag`. */
  waiting: number;
  /** When `lag` was last read (epoch ms), if ever. */
  lagReadAt?: number;
  inFlight: number;
  restarts: number;
}

export interface RunningConsumer {
  readonly stats: ConsumerStats;
  /** The consumer's state, progress and lag now (see consumerReadiness). */
  health(): ConsumerHealth;
  close(): Promise<void>;
}
