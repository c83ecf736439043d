import { randomUUID } from 'node:crypto';

export interface SmsMessage {
  id: string;
  /** E.164. */
  to: string;
  text: string;
  sentAt: string;
  idempotencyKey?: string;
}

/**
 * The simulator's outbox, bounded: once it holds `maxMessages`, each new message drops the oldest one (and with it
 * the oldest message of that number and its idempotency key). All three indexes stay in sending order, so dropping
 * the oldest is always at the front.
 */
export class MessageStore {
  /** Every message, oldest first; slots before `#head` have been dropped. */
  #all: (SmsMessage | undefined)[] = [];
  #head = 0;
  readonly #byNumber = new Map<string, SmsMessage[]>();
  readonly #byIdempotencyKey = new Map<string, SmsMessage>();
  readonly #maxMessages: number;

  constructor(maxMessages: number) {
    this.#maxMessages = maxMessages;
  }

  get size(): number {
    return this.#all.length - this.#head;
  }

  findByIdempotencyKey(key: string): SmsMessage | undefined {
    return this.#byIdempotencyKey.get(key);
  }

  add(to: string, text: string, idempotencyKey?: string): SmsMessage {
    const message: SmsMessage = { id: randomUUID(), to, text, sentAt: new Date().toISOString(), idempotencyKey };
    this.#all.push(message);
    const ofNumber = this.#byNumber.get(to);
    if (ofNumber) ofNumber.push(message);
    else this.#byNumber.set(to, [message]);
    if (idempotencyKey !== undefined) this.#byIdempotencyKey.set(idempotencyKey, message);
    while (this.size > this.#maxMessages) this.#dropOldest();
    return message;
  }

  /** Messages sent to one number, newest first. */
  sentTo(to: string, limit: number): SmsMessage[] {
    return (this.#byNumber.get(to) ?? []).slice(-limit).reverse();
  }

  /** The latest messages to any number, newest first. */
  latest(limit: number): SmsMessage[] {
    const start = Math.max(this.#head, this.#all.length - limit);
    return (this.#all.slice(start) as SmsMessage[]).reverse();
  }

  #dropOldest(): void {
    const oldest = this.#all[this.#head];
    this.#all[this.#head++] = undefined;
    if (!oldest) return;
    const ofNumber = this.#byNumber.get(oldest.to);
    ofNumber?.shift();
    if (ofNumber?.length === 0) this.#byNumber.delete(oldest.to);
    if (oldest.idempotencyKey !== undefined) this.#byIdempotencyKey.delete(oldest.idempotencyKey);
    // Reclaim the dropped slots once they are half the array, so the array never grows without bound.
    if (this.#head > this.#all.length / 2) {
      this.#all = this.#all.slice(this.#head);
      this.#head = 0;
    }
  }
}
