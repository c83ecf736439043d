import { setTimeout as sleep } from 'node:timers/promises';
import { openPage, type PageEvent } from '@voucher/platform/testing';

const FINAL_EVENTS = new Set(['voucher', 'sms', 'failed']);

/**
 * A customer's open page: it listens to the request's event stream and, like a browser's EventSource, connects again
 * a second later whenever the stream drops (a gateway killed under it) until it gets its one final event.
 */
export class CustomerPage {
  readonly requestId: string;
  readonly events: PageEvent[] = [];
  connections = 0;
  /** Answers other than 200 when connecting (0: no answer at all). */
  readonly refusals: number[] = [];
  #closed = false;
  #close?: () => void;
  readonly done: Promise<void>;

  constructor(gatewayUrl: string, requestId: string) {
    this.requestId = requestId;
    this.done = this.#listen(`${gatewayUrl}/voucher/requests/${requestId}/events`);
  }

  get final(): PageEvent | undefined {
    return this.events.find((event) => FINAL_EVENTS.has(event.event));
  }

  async #listen(url: string): Promise<void> {
    while (!this.#closed && !this.final) {
      const page = openPage(url);
      this.#close = page.close;
      this.connections++;
      page.opened.catch(() => {});
      await page.ended;
      if (page.status !== 200) this.refusals.push(page.status ?? 0);
      this.events.push(...page.events);
      if (!this.final && !this.#closed) await sleep(1_000);
    }
  }

  /** The customer closes the tab. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#close?.();
    await this.done;
  }
}
