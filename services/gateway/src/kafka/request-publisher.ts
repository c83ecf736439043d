import { Topics, type RequestCodeMessage } from '@voucher/contracts';
import { namespaced, type KafkaProducer } from '@voucher/platform/kafka';

export class BrokerUnavailableError extends Error {}

/**
 * Publishes `request-code`, keyed by the customer's E.164 number, and resolves only once the broker acknowledged it.
 * The producer itself keeps retrying while the broker is unreachable, so the customer's wait is cut at `timeoutMs`.
 */
export function createRequestPublisher(producer: KafkaProducer, namespace: string, timeoutMs: number) {
  const topic = namespaced(namespace, Topics.requestCode);
  return async function publishRequest(message: RequestCodeMessage): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new BrokerUnavailableError(`no acknowledgement from the broker within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([producer.publish(topic, message.phoneNumber, message), timedOut]);
    } catch (error) {
      throw error instanceof BrokerUnavailableError ? error : new BrokerUnavailableError((error as Error).message);
    } finally {
      clearTimeout(timer);
    }
  };
}

export type PublishRequest = ReturnType<typeof createRequestPublisher>;
