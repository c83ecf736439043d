import type { Logger } from '../logging/index.ts';
import type { KafkaConnection } from './connection.ts';
import type { KafkaProducer } from './producer.ts';

export type Decoded<T> = { ok: true; value: T } | { ok: false; reason: string };
/** Turns a record's bytes into a validated message, or says why it is not one (it then goes to the DLQ). */
export type Decoder<T> = (bytes: Buffer) => Decoded<T>;

export interface RecordContext {
  topic: string;
  partition: number;
  offset: bigint;
  key: string;
  attempt: number;
}

export interface ConsumerOptions<T> {
  connection: KafkaConnection;
  groupId: string;
  topic: string;
  decode: Decoder<T>;
  handle: (message: T, context: RecordContext) => Promise<void>;
  /** Producer used for dead letters. */
  producer: KafkaProducer;
  logger: Logger;
  /** Messages processed at once across all partitions; far beyond the partition count is the point. */
  concurrency?: number;
  /** Attempts of the handler before a message goes to the dead-letter topic. */
  maxAttempts?: number;
  retryBaseDelayMs?: number;
  retryMaxDelayMs?: number;
  /** How long close() waits for in-flight messages before giving up on them (they are redelivered later). */
  drainTimeoutMs?: number;
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
}

export interface ConsumerStats {
  inFlight: number;
  processed: number;
  deadLettered: number;
}

export interface RunningConsumer {
  readonly stats: ConsumerStats;
  close(): Promise<void>;
}
