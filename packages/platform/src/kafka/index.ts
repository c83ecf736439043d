export type { KafkaConnection } from './connection.ts';
export { consumerMetrics, type ConsumerMetrics } from './consumer-metrics.ts';
export { replayDeadLetters, type ReplayOptions } from './dead-letter-replay.ts';
export { runConsumer } from './consumer-runner.ts';
export type {
  ConsumerHealth,
  ConsumerOptions,
  ConsumerState,
  ConsumerStats,
  Decoded,
  Decoder,
  RecordContext,
  RunningConsumer,
} from './consumer-types.ts';
export { PartitionProgress } from './partition-progress.ts';
export { PermanentError } from './permanent-error.ts';
export { KafkaProducer, ProduceDeadlineError, type OutgoingRecord, type ProducerOptions } from './producer.ts';
export { consumerNotReadyReason, consumerReadiness, type ConsumerReadinessOptions } from './readiness.ts';
export { deadLetterTopic, ensureTopics, replicationFor, type TopicLayout } from './topics.ts';

/** Topic or consumer-group name within a namespace (KAFKA_NAMESPACE); the empty namespace gives the spec's names. */
export const namespaced = (namespace: string, name: string): string => `${namespace}${name}`;
