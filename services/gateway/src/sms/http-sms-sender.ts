import { Agent, request } from 'undici';
import { GatewayErrors } from '../errors.ts';
import type { SmsSender } from './sms-sender.ts';

/** Answers that retrying cannot fix (a malformed message, a refused number); everything else is worth a retry. */
const retryableClientErrors = new Set([408, 409, 425, 429]);

/** Adapter for the SMS gateway's HTTP contract: `POST /api/sms {"to","text"}` with an Idempotency-Key header. */
export class HttpSmsSender implements SmsSender {
  readonly #endpoint: string;
  readonly #timeoutMs: number;
  readonly #agent: Agent;

  constructor(baseUrl: string, timeoutMs: number) {
    this.#endpoint = `${baseUrl}/api/sms`;
    this.#timeoutMs = timeoutMs;
    this.#agent = new Agent({ keepAliveTimeout: 30_000, connections: 64, connect: { timeout: timeoutMs } });
  }

  async send(to: string, text: string, idempotencyKey: string): Promise<void> {
    const response = await request(this.#endpoint, {
      method: 'POST',
      dispatcher: this.#agent,
      headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
      body: JSON.stringify({ to, text }),
      headersTimeout: this.#timeoutMs,
      bodyTimeout: this.#timeoutMs,
    });
    await response.body.dump();
    const status = response.statusCode;
    if (status >= 200 && status < 300) return;
    if (status >= 400 && status < 500 && !retryableClientErrors.has(status)) {
      throw GatewayErrors.SMS_REFUSED(`the SMS gateway refused the message (${status})`);
    }
    throw GatewayErrors.SMS_UNAVAILABLE(`the SMS gateway answered ${status}`);
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }
}
