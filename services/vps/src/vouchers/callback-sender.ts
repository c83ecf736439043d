import { Agent, request } from 'undici';
import type { Logger } from '@voucher/platform/logging';
import type { Scheduler } from '../scheduler/scheduler.ts';
import type { Stats } from '../stats.ts';

/** The body of `POST {callbackUrl}` (SPEC.md, "VPS contract"). */
export interface CallbackPayload {
  codeVerifier: string;
  status: 'SUCCESS' | 'LATE_SUCCESS';
  voucherCode: string;
  message: string;
}

/** How a delivery ended: accepted (2xx), refused (4xx, final) or failed (every attempt errored). */
export type DeliveryOutcome = 'sent' | 'refused' | 'failed';

export interface CallbackSenderOptions {
  attempts: number;
  retryBaseMs: number;
  timeoutMs: number;
  connections: number;
}

const MAX_RETRY_DELAY_MS = 30_000;

/**
 * Posts callbacks to the bank through one keep-alive connection pool per origin, with a bounded number of
 * connections so that thousands of due callbacks queue instead of opening thousands of sockets. A network error,
 * a 3xx or a 5xx is retried with exponential backoff (through the shared scheduler, not a timer per retry); a 4xx
 * is the bank's final word.
 */
export class CallbackSender {
  readonly #agent: Agent;
  readonly #options: CallbackSenderOptions;
  readonly #scheduler: Scheduler;
  readonly #stats: Stats;
  readonly #logger: Logger;

  constructor(options: CallbackSenderOptions, scheduler: Scheduler, stats: Stats, logger: Logger) {
    this.#options = options;
    this.#scheduler = scheduler;
    this.#stats = stats;
    this.#logger = logger;
    this.#agent = new Agent({
      connections: options.connections,
      keepAliveTimeout: 30_000,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
  }

  /** Delivers one callback; resolves once it is settled, never rejects. */
  send(callbackUrl: string, payload: CallbackPayload): Promise<DeliveryOutcome> {
    const { promise, resolve } = Promise.withResolvers<DeliveryOutcome>();
    void this.#attempt(callbackUrl, JSON.stringify(payload), 1, resolve);
    return promise;
  }

  async close(): Promise<void> {
    await this.#agent.destroy();
  }

  async #attempt(callbackUrl: string, body: string, attempt: number, settle: (outcome: DeliveryOutcome) => void): Promise<void> {
    const status = await this.#post(callbackUrl, body);
    if (status !== undefined && status >= 200 && status < 300) {
      this.#stats.callbacksSent++;
      return settle('sent');
    }
    if (status !== undefined && status >= 400 && status < 500) {
      this.#stats.callbacksRefused++;
      this.#logger.warn({ status, attempt }, 'callback refused by the bank');
      return settle('refused');
    }
    if (attempt >= this.#options.attempts) {
      this.#stats.callbacksFailed++;
      this.#logger.error({ status, attempts: attempt }, 'callback failed after every attempt');
      return settle('failed');
    }
    this.#stats.callbacksRetried++;
    const delay = Math.min(this.#options.retryBaseMs * 2 ** (attempt - 1), MAX_RETRY_DELAY_MS);
    this.#scheduler.after(delay, () => void this.#attempt(callbackUrl, body, attempt + 1, settle));
  }

  /** The bank's status code, or undefined when it could not be reached. */
  async #post(callbackUrl: string, body: string): Promise<number | undefined> {
    try {
      const response = await request(callbackUrl, {
        dispatcher: this.#agent,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      await response.body.dump();
      return response.statusCode;
    } catch (error) {
      this.#logger.warn({ err: error }, 'callback could not be delivered');
      return undefined;
    }
  }
}
