import { randomUUID } from 'node:crypto';
import { Agent, request } from 'undici';
import { backoffDelay } from '@voucher/platform/lifecycle';
import { repeatedFailureLevel, type Logger } from '@voucher/platform/logging';
import type { Scheduler } from '../scheduler/scheduler.ts';
import { webhookHeaders } from '../security.ts';
import type { Stats } from '../stats.ts';

/** One callback being delivered: where, what, and the webhook-id every attempt carries. */
interface Delivery {
  url: string;
  body: string;
  id: string;
}

/** The body of `POST {callbackUrl}` (SPEC.md, "VPS contract"). */
export interface CallbackPayload {
  codeVerifier: string;
  status: 'SUCCESS' | 'LATE_SUCCESS';
  voucherCode: string;
  message: string;
}

/** How a delivery ended: accepted (2xx), refused (a final status) or failed (the retry window closed). */
export type DeliveryOutcome = 'sent' | 'refused' | 'failed';

export interface CallbackSenderOptions {
  /** How long after the first attempt a callback is still retried. */
  retryWindowMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
  timeoutMs: number;
  connections: number;
  /** When given, every attempt is signed (Standard Webhooks), one webhook-id per callback. */
  signingKey?: Buffer;
}

/** The answers worth another attempt: the bank is busy or failing, not saying no. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * Posts callbacks to the bank through one keep-alive connection pool per origin, with a bounded number of
 * connections so that thousands of due callbacks queue instead of opening thousands of sockets. Like a real provider,
 * it keeps trying for minutes: a network error, a timeout, a 408, a 429 or a 5xx is retried with capped, jittered
 * exponential backoff (through the shared scheduler, not a timer per retry) until the retry window closes; any other
 * answer (a 3xx, another 4xx) is the bank's final word.
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
    const delivery = { url: callbackUrl, body: JSON.stringify(payload), id: `msg_${randomUUID()}` };
    void this.#attempt(delivery, 1, Date.now() + this.#options.retryWindowMs, resolve);
    return promise;
  }

  async close(): Promise<void> {
    await this.#agent.destroy();
  }

  async #attempt(delivery: Delivery, attempt: number, giveUpAt: number, settle: (outcome: DeliveryOutcome) => void): Promise<void> {
    const status = await this.#post(delivery);
    if (status !== undefined && status >= 200 && status < 300) {
      this.#stats.callbacksSent++;
      return settle('sent');
    }
    if (status !== undefined && !isRetryableStatus(status)) {
      this.#stats.callbacksRefused++;
      this.#logger.warn({ status, attempt }, 'callback refused by the bank');
      return settle('refused');
    }
    const delay = backoffDelay(attempt, this.#options.retryBaseMs, this.#options.retryMaxMs);
    if (Date.now() + delay > giveUpAt) {
      this.#stats.callbacksFailed++;
      this.#logger.error({ status, attempts: attempt }, 'callback failed for the whole retry window; giving up');
      return settle('failed');
    }
    this.#stats.callbacksRetried++;
    this.#logger[repeatedFailureLevel(attempt)]({ status, attempt, delay }, 'callback not accepted yet; retrying');
    this.#scheduler.after(delay, () => void this.#attempt(delivery, attempt + 1, giveUpAt, settle));
  }

  /** The bank's status code, or undefined when it could not be reached. */
  async #post({ url, body, id }: Delivery): Promise<number | undefined> {
    const key = this.#options.signingKey;
    try {
      const response = await request(url, {
        dispatcher: this.#agent,
        method: 'POST',
        // Signed afresh at each attempt (a new timestamp), under the callback's one webhook-id.
        headers: { 'content-type': 'application/json', ...(key ? webhookHeaders(key, id, body) : {}) },
        body,
      });
      await response.body.dump();
      return response.statusCode;
    } catch (error) {
      this.#logger.debug({ err: error }, 'callback could not be delivered');
      return undefined;
    }
  }
}
