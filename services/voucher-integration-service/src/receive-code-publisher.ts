import type { ReceiveCodeMessage } from '@voucher/contracts';
import type { KafkaProducer } from '@voucher/platform/kafka';
import type { TraceContext } from '@voucher/platform/telemetry';

/** Where outcomes go; resolves once they are durable. `traceContexts[i]`: the trace message i's publish continues. */
export interface OutcomePublisher {
  publish(messages: ReceiveCodeMessage[], traceContexts?: TraceContext[]): Promise<void>;
}

/** Publishes outcomes to receive-code, keyed by the customer's phone number; resolves once the broker has them. */
export class ReceiveCodePublisher implements OutcomePublisher {
  readonly #producer: KafkaProducer;
  readonly #topic: string;

  constructor(producer: KafkaProducer, topic: string) {
    this.#producer = producer;
    this.#topic = topic;
  }

  async publish(messages: ReceiveCodeMessage[], traceContexts: TraceContext[] = []): Promise<void> {
    await this.#producer.publishRecords(
      messages.map((message, index) => ({
        topic: this.#topic,
        key: message.phoneNumber,
        value: Buffer.from(JSON.stringify(message)),
        headers: traceContexts[index],
      })),
    );
  }
}
