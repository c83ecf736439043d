import { Topics, type RequestCodeMessage } from '@voucher/contracts';
import { namespaced, type KafkaProducer } from '@voucher/platform/kafka';

export class BrokerUnavailableError extends Error {}

/**
 * Publishes `request-code`, keyed by the customer's E.164 number, and resolves only once the broker acknowledged it.
 * The producer cuts the wait at its deadline (PRODUCE_TIMEOUT_MS) and drops the queued send, so a customer told
 * "unavailable" has bought nothing.
 */
export function createRequestPublisher(producer: KafkaProducer, namespace: string) {
  const topic = namespaced(namespace, Topics.requestCode);
  return async function publishRequest(message: RequestCodeMessage): Promise<void> {
    try {
      await producer.publish(topic, message.phoneNumber, message);
    } catch (error) {
      throw new BrokerUnavailableError((error as Error).message, { cause: error });
    }
  };
}

export type PublishRequest = ReturnType<typeof createRequestPublisher>;
