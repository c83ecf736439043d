import type { ReceiveCodeMessage } from '@voucher/contracts';
import type { KafkaProducer } from '@voucher/platform/kafka';

/** Where outcomes go; resolves once they are durable. */
export interface OutcomePublisher {
  publish(messages: ReceiveCodeMessage[]): Promise<void>;
}

/** Publishes outcomes to receive-code, keyed by the customer's phone number; resolves once the broker has them. */
export class ReceiveCodePublisher implements OutcomePublisher {
  readonly #producer: KafkaProducer;
  readonly #topic: string;

  constructor(producer: KafkaProducer, topic: string) {
    this.#producer = producer;
    this.#topic = topic;
  }

  async publish(messages: ReceiveCodeMessage[]): Promise<void> {
    await this.#producer.publishRecords(
      messages.map((message) => ({ topic: this.#topic, key: message.phoneNumber, value: Buffer.from(JSON.stringify(message)) })),
    );
  }
}
