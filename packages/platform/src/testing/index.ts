import { randomUUID } from 'node:crypto';
import { Consumer, MessagesStreamFallbackModes, MessagesStreamModes } from '@platformatic/kafka';
import type { KafkaConnection } from '../kafka/index.ts';
import { expectTestBroker, testBrokers } from './brokers.ts';

export { everyMessage } from './error-text.ts';
export { openPage, type PageEvent } from './event-stream.ts';
export { metricValue } from './metrics.ts';
export { committedOffsets, endOffsets, waitForConsumed } from './kafka-offsets.ts';
export { freePort, startPrivateBroker, type PrivateBroker } from './private-broker.ts';
export { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './otlp-receiver.ts';
export { s256 } from './pkce.ts';
export { testClock, type TestClock } from './test-clock.ts';
export { waitFor } from './wait-for.ts';
export { expectTestBroker, testBrokers };

/** Helpers for tests against the real broker: isolation by namespace, and waiting for what the system does. */
export const testConnection = (clientId = 'test'): KafkaConnection => ({ brokers: testBrokers, clientId });
/** A fresh Kafka namespace (KAFKA_NAMESPACE) for topics and groups, so a test is alone on the shared broker. */
export const uniqueNamespace = (): string => `t${randomUUID().slice(0, 8)}-`;

export interface CollectedRecord {
  key: string;
  value: string;
  headers: Record<string, string>;
  offset: bigint;
  partition: number;
}

/** Reads every record of `topic` from the beginning into an array (a group of its own), until stop(). */
export async function collectTopic(topic: string, brokers = testBrokers): Promise<{ records: CollectedRecord[]; stop(): Promise<void> }> {
  const consumer = new Consumer({
    groupId: `collector-${randomUUID()}`,
    clientId: 'test-collector',
    bootstrapBrokers: brokers,
    maxWaitTime: 200,
  });
  const stream = await consumer.consume({
    topics: [topic],
    mode: MessagesStreamModes.EARLIEST,
    fallbackMode: MessagesStreamFallbackModes.EARLIEST,
  });
  const records: CollectedRecord[] = [];
  stream.on('data', (message) => {
    const headers: Record<string, string> = {};
    for (const [k, v] of message.headers) headers[k.toString()] = v.toString();
    records.push({
      key: message.key?.toString() ?? '',
      value: message.value?.toString() ?? '',
      headers,
      offset: message.offset,
      partition: message.partition,
    });
  });
  return {
    records,
    async stop() {
      await stream.close();
      await consumer.close(true);
    },
  };
}
