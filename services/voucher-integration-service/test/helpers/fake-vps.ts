import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

/** What the fake VPS received in one call to `POST /api/request/voucher`. */
export interface VpsCall {
  phoneNumber: string;
  callbackUrl: string;
  requestId: string;
}

/** The body of a VPS callback. */
export interface CallbackPayload {
  codeVerifier: string;
  status: string;
  voucherCode: string;
  message?: string;
}

/**
 * How it answers one call: a status and JSON body, or never (the client's timeout must fire). With `callbackFirst`,
 * the callback is posted before the answer, and the answer waits for the bank's first response to it: the VPS's
 * callback overtakes its own 202, as a real one's can when the code is ready a moment after the acknowledgement mark.
 */
export type VpsAnswerReply = { status: number; body?: unknown; callbackFirst?: CallbackPayload };
export type VpsReply = VpsAnswerReply | 'hang';
export type VpsScript = (call: VpsCall, attempt: number) => VpsReply | Promise<VpsReply>;

/** What the bank answered one callback attempt: its status, or `unreachable` (connection refused or reset). */
export type CallbackAnswer = number | 'unreachable';

/** One callback and every attempt to deliver it; `final` settles with the answer that ended the delivery. */
export interface Delivery {
  payload: CallbackPayload;
  answers: CallbackAnswer[];
  /** The first answer that was not `unreachable` (the bank's first word on it). */
  firstWord: Promise<number>;
  final: Promise<CallbackAnswer>;
}

/** Like a real provider: connection errors, 408, 429 and 5xx are retried with backoff; anything else is final. */
const retryable = (answer: CallbackAnswer) => answer === 'unreachable' || answer === 408 || answer === 429 || answer >= 500;

/**
 * A stand-in for the third-party VPS that speaks its HTTP contract; each test scripts the answers for its own
 * requestId, so tests never see each other's calls. It also delivers callbacks as the real one does, retrying
 * them within `callbackWindowMs`.
 */
export class FakeVps {
  readonly calls: VpsCall[] = [];
  readonly deliveries: Delivery[] = [];
  readonly #scripts = new Map<string, VpsScript>();
  readonly #server: Server = createServer((request, response) => void this.#answer(request, response));
  #closed = false;
  url = '';
  /** How long a callback is retried, from its first attempt. */
  callbackWindowMs = 15_000;

  script(requestId: string, script: VpsScript): void {
    this.#scripts.set(requestId, script);
  }

  callsFor(requestId: string): VpsCall[] {
    return this.calls.filter((call) => call.requestId === requestId);
  }

  /** Posts a callback, retrying it (20 ms doubling to 200 ms) until the bank answers with a final status. */
  deliver(callbackUrl: string, payload: CallbackPayload): Delivery {
    const firstWord = Promise.withResolvers<number>();
    const final = Promise.withResolvers<CallbackAnswer>();
    const delivery: Delivery = { payload, answers: [], firstWord: firstWord.promise, final: final.promise };
    this.deliveries.push(delivery);
    void (async () => {
      const giveUpAt = Date.now() + this.callbackWindowMs;
      for (let attempt = 1; ; attempt++) {
        const answer = await post(callbackUrl, payload);
        delivery.answers.push(answer);
        if (answer !== 'unreachable') firstWord.resolve(answer);
        if (!retryable(answer) || this.#closed || Date.now() > giveUpAt) return final.resolve(answer);
        await sleep(Math.min(200, 20 * 2 ** (attempt - 1)));
      }
    })();
    return delivery;
  }

  deliveriesOf(codeVerifier: string): Delivery[] {
    return this.deliveries.filter((delivery) => delivery.payload.codeVerifier === codeVerifier);
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as { port: number }).port}`;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#server.closeAllConnections();
    await new Promise((resolve) => this.#server.close(resolve));
  }

  async #answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    if (request.method !== 'POST' || request.url !== '/api/request/voucher') return void response.writeHead(404).end();
    const call = JSON.parse(Buffer.concat(chunks).toString('utf8')) as VpsCall;
    this.calls.push(call);
    const script = this.#scripts.get(call.requestId);
    const reply = script ? await script(call, this.callsFor(call.requestId).length) : { status: 500 };
    if (reply === 'hang') return;
    if (reply.callbackFirst) await this.deliver(call.callbackUrl, reply.callbackFirst).firstWord;
    if (response.destroyed) return;
    response.writeHead(reply.status, { 'content-type': 'application/json' }).end(JSON.stringify(reply.body ?? {}));
  }
}

async function post(url: string, payload: CallbackPayload): Promise<CallbackAnswer> {
  try {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 'unreachable';
  }
}

/** Ready-made answers of the VPS contract. */
export const vpsReplies = {
  code: (voucherCode: string, status: 'SUCCESS' | 'LATE_SUCCESS' = 'SUCCESS'): VpsAnswerReply => ({
    status: 200,
    body: {
      status,
      voucherCode,
      message:
        status === 'SUCCESS'
          ? 'Thank you for using our services, your voucher code is ready.'
          : 'Thank you for your patience, your voucher code is ready.',
    },
  }),
  challenge: (codeChallenge: string, transformMethod: 'S256' | 'plain'): VpsAnswerReply => ({
    status: 202,
    body: { codeChallenge, transformMethod, message: 'Your request is being processed within 30 seconds' },
  }),
  error: (): VpsAnswerReply => ({ status: 500, body: { error: 'boom' } }),
};

/** The callback the VPS sends when the code is ready. */
export const callbackPayload = (codeVerifier: string, voucherCode: string, status = 'SUCCESS'): CallbackPayload => ({
  codeVerifier,
  status,
  voucherCode,
  message: 'Thank you for using our services, your voucher code is ready.',
});
