import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/** What the fake VPS received in one call to `POST /api/request/voucher`. */
export interface VpsCall {
  phoneNumber: string;
  callbackUrl: string;
  requestId: string;
}

/** How it answers one call: a status and JSON body, or never (the client's timeout must fire). */
export type VpsReply = { status: number; body?: unknown } | 'hang';
export type VpsScript = (call: VpsCall, attempt: number) => VpsReply;

/**
 * A stand-in for the third-party VPS that speaks its HTTP contract; each test scripts the answers for its own
 * requestId, so tests never see each other's calls.
 */
export class FakeVps {
  readonly calls: VpsCall[] = [];
  readonly #scripts = new Map<string, VpsScript>();
  readonly #server: Server = createServer((request, response) => void this.#answer(request, response));
  url = '';

  script(requestId: string, script: VpsScript): void {
    this.#scripts.set(requestId, script);
  }

  callsFor(requestId: string): VpsCall[] {
    return this.calls.filter((call) => call.requestId === requestId);
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as { port: number }).port}`;
  }

  async close(): Promise<void> {
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
    const reply = script ? script(call, this.callsFor(call.requestId).length) : { status: 500 };
    if (reply === 'hang') return;
    response.writeHead(reply.status, { 'content-type': 'application/json' }).end(JSON.stringify(reply.body ?? {}));
  }
}

/** Ready-made answers of the VPS contract. */
export const vpsReplies = {
  code: (voucherCode: string): VpsReply => ({
    status: 200,
    body: { status: 'SUCCESS', voucherCode, message: 'Thank you for using our services, your voucher code is ready.' },
  }),
  challenge: (codeChallenge: string, transformMethod: 'S256' | 'plain'): VpsReply => ({
    status: 202,
    body: { codeChallenge, transformMethod, message: 'Your request is being processed within 30 seconds' },
  }),
  error: (): VpsReply => ({ status: 500, body: { error: 'boom' } }),
};
