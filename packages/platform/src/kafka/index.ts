export type { KafkaConnection } from './connection.ts';
export { runConsumer } from './consumer-runner.ts';
export type { ConsumerOptions, ConsumerStats, Decoded, Decoder, RecordContext, RunningConsumer } from './consumer-types.ts';
export { PartitionProgress } from './partition-progress.ts';
export { KafkaProducer, type OutgoingRecord } from './producer.ts';
export { deadLetterTopic, ensureTopics, type TopicLayout } from './topics.ts';
