import { setTimeout as sleep } from 'node:timers/promises';
import { call, eachLimited } from './http.ts';

export interface SmsMessage {
  id: string;
  to: string;
  text: string;
  sentAt: string;
}

const POLL_LIMIT = 1_000;

/**
 * The SMS simulator's inbox, read all along: the simulator keeps messages in memory only, so a kill would wipe the
 * evidence. The run polls the latest messages every half second and, before killing the simulator, makes it refuse
 * every send (503: nothing recorded, the gateway retries) and reads it one last time, so nothing it accepted is missed.
 */
export class SmsInbox {
  readonly messages = new Map<string, SmsMessage>();
  /** Polls that came back full with nothing already known in them: messages may have slipped past. */
  possibleGaps = 0;
  readonly #url: string;
  #timer?: NodeJS.Timeout;
  #polling?: Promise<void>;

  constructor(url: string) {
    this.#url = url;
  }

  #add(messages: SmsMessage[]): void {
    let known = 0;
    for (const message of messages) {
      if (this.messages.has(message.id)) known++;
      else this.messages.set(message.id, message);
    }
    if (messages.length >= POLL_LIMIT && known === 0 && this.messages.size > messages.length) this.possibleGaps++;
  }

  async poll(): Promise<boolean> {
    const answer = await call<SmsMessage[]>('GET', `${this.#url}/api/messages?limit=${POLL_LIMIT}`, { timeoutMs: 3_000 });
    if (answer.status !== 200 || !Array.isArray(answer.body)) return false;
    this.#add(answer.body);
    return true;
  }

  start(intervalMs = 500): void {
    const tick = () => {
      this.#polling = this.poll().then(() => {
        if (this.#timer) this.#timer = setTimeout(tick, intervalMs);
      });
    };
    this.#timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#polling;
  }

  async setFaults(body: { errorRate?: number; failNext?: number }): Promise<void> {
    const answer = await call('PUT', `${this.#url}/admin/faults`, { body });
    if (answer.status !== 200) throw new Error(`PUT /admin/faults on the SMS gateway answered ${answer.status || answer.error}`);
  }

  /** Every send fails from now on, then the inbox is read: what it holds is final until the process dies. */
  async freezeForKill(): Promise<void> {
    await this.setFaults({ errorRate: 1 });
    for (let attempt = 0; attempt < 10 && !(await this.poll()); attempt++) await sleep(200);
  }

  /** A complete read, number by number (the latest-messages poll is capped at 1,000). */
  async sweep(numbers: string[]): Promise<void> {
    await this.poll();
    await eachLimited(numbers, 16, async (number) => {
      const answer = await call<SmsMessage[]>('GET', `${this.#url}/api/messages?phoneNumber=${encodeURIComponent(number)}&limit=1000`);
      if (answer.status === 200 && Array.isArray(answer.body)) for (const message of answer.body) this.messages.set(message.id, message);
    });
  }
}
