import { randomUUID } from 'node:crypto';
import { decodeRequestCode, Topics, type ReceiveCodeMessage, type RequestCodeMessage } from '@voucher/contracts';
import { KafkaProducer, namespaced, runConsumer } from '@voucher/platform/kafka';
import { testConnection, waitForConsumed } from '@voucher/platform/testing';
import { logger } from './gateway-harness.ts';

const connection = testConnection('gateway-test');

/** Plays the integration service's part: publishes receive-code messages into the test's namespace. */
export function receiveCodePublisher(namespace: string) {
  const producer = new KafkaProducer(connection);
  const topic = namespaced(namespace, Topics.receiveCode);
  return {
    publish: (message: ReceiveCodeMessage) => producer.publish(topic, message.phoneNumber, message),
    close: () => producer.close(),
  };
}

export function codeMessage(requestId: string, phoneNumber: string, fields: Partial<ReceiveCodeMessage> = {}): ReceiveCodeMessage {
  return {
    requestId,
    phoneNumber,
    status: 'SUCCESS',
    channel: 'WEB',
    voucherCode: `VC-${randomUUID().slice(0, 8).toUpperCase()}`,
    message: 'Thank you for using our services, your voucher code is ready.',
    issuedAt: new Date().toISOString(),
    ...fields,
  };
}

export function failedMessage(requestId: string, phoneNumber: string): ReceiveCodeMessage {
  return {
    requestId,
    phoneNumber,
    status: 'FAILED',
    channel: 'WEB',
    message: 'We could not issue your voucher code; you have not been charged.',
    issuedAt: new Date().toISOString(),
  };
}

/**
 * Plays the integration service's consumer: collects every request-code message in the namespace, with its key.
 * `partitions` is the topic's (testConfig's KAFKA_TOPIC_PARTITIONS).
 */
export async function requestCodeReader(namespace: string, partitions = 3) {
  const seen: Array<{ key: string; message: RequestCodeMessage }> = [];
  const producer = new KafkaProducer(connection);
  const groupId = namespaced(namespace, 'test-reader');
  const topic = namespaced(namespace, Topics.requestCode);
  const consumer = await runConsumer({
    connection,
    groupId,
    topic,
    decode: decodeRequestCode,
    handle: async (message, context) => void seen.push({ key: context.key, message }),
    producer,
    logger,
  });
  return {
    seen,
    forRequest: (requestId: string) => seen.filter((entry) => entry.message.requestId === requestId),
    /** Resolves once everything produced to request-code so far is in `seen`. */
    caughtUp: () => waitForConsumed(groupId, topic, partitions),
    async close() {
      await consumer.close();
      await producer.close();
    },
  };
}
