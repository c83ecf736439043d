import { Topics, type RequestCodeMessage } from '@voucher/contracts';
import { namespaced, type KafkaProducer } from '@voucher/platform/kafka';

/**
 * Publishes `request-code`, keyed by the customer's E.164 number, and resolves only once the broker acknowledged it.
 * The producer cuts the wait at its deadline (PRODUCE_TIMEOUT_MS) and drops the queued send, so a customer told
 * "unavailable" has bought nothing. Not acknowledged, it rejects with the producer's error.
 */
export function createRequestPublisher(producer: KafkaProducer, namespace: string) {
  const topic = namespaced(namespace, Topics.requestCode);
  return async function publishRequest(message: RequestCodeMessage): Promise<void> {
    await producer.publish(topic, message.phoneNumber, message);
  };
}

export type PublishRequest = ReturnType<typeof createRequestPublisher>;
