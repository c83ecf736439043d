import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '@voucher/platform/logging';
import { waitFor } from '@voucher/platform/testing';
import { readConfig } from '../src/config.ts';
import { startVps, type VpsService } from '../src/service.ts';

/** What a voucher code looks like: four groups of four symbols, without the look-alikes 0/O and 1/I. */
export const CODE_FORMAT = /^[A-HJ-NP-Z2-9]{4}(-[A-HJ-NP-Z2-9]{4}){3}$/;
/** Tiny timings so that every profile plays out in well under a second. */
export const ACK_MS = 100;
export const DEADLINE_MS = 400;
/** The admin token of the test VPS; `call` sends it. */
export const ADMIN_TOKEN = 'test-admin-token-0123456789';

export async function startTestVps(env: Record<string, string> = {}): Promise<VpsService> {
  const config = readConfig({
    VPS_PORT: '0',
    LOG_LEVEL: 'silent',
    VPS_ACK_AFTER_MS: String(ACK_MS),
    WEB_DEADLINE_MS: String(DEADLINE_MS),
    VPS_LATENCY_MIN_MS: '0',
    VPS_CALLBACK_RETRY_BASE_MS: '20',
    VPS_ADMIN_TOKEN: ADMIN_TOKEN,
    VPS_CALLBACK_ALLOWED_HOSTS: '127.0.0.1',
    ...env,
  });
  return startVps(config, createLogger('vps', 'silent'));
}

export interface ReceivedCallback {
  codeVerifier: string;
  status: string;
  voucherCode: string;
  message: string;
  receivedAt: number;
  headers: IncomingMessage['headers'];
  rawBody: string;
}

/**
 * The bank's side of the callback: records every callback and answers what `answer` says (200 by default; 0 means no
 * answer at all, so that the VPS's timeout fires).
 */
export interface CallbackReceiver {
  url: string;
  received: ReceivedCallback[];
  answer: (callback: ReceivedCallback) => number;
  close(): Promise<void>;
}

/** Listens on `port` (a free one by default; give the port of a closed receiver to bring it back up). */
export async function startCallbackReceiver(port = 0): Promise<CallbackReceiver> {
  const receiver: CallbackReceiver = { url: '', received: [], answer: () => 200, close: async () => {} };
  const server = createServer(async (request: IncomingMessage, response: ServerResponse) => {
    let body = '';
    for await (const chunk of request) body += chunk;
    const callback = { ...JSON.parse(body), receivedAt: Date.now(), headers: request.headers, rawBody: body } as ReceivedCallback;
    receiver.received.push(callback);
    const status = receiver.answer(callback);
    if (status !== 0) response.writeHead(status).end();
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/voucher-code/vps/response`;
  receiver.close = () => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve()));
  };
  return receiver;
}

export async function call(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const auth = { authorization: `Bearer ${ADMIN_TOKEN}`, ...headers };
  const response = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? auth : { 'content-type': 'application/json', ...auth },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', body: text ? JSON.parse(text) : undefined };
}

/** A VPS and a callback receiver for one test, both closed after it. */
export async function setUp(t: { after(fn: () => Promise<void>): void }, env: Record<string, string>) {
  const vps = await startTestVps(env);
  const receiver = await startCallbackReceiver();
  t.after(() => vps.close());
  t.after(() => receiver.close());
  const requestVoucher = (extra: Record<string, unknown> = {}) =>
    call(vps.url, 'POST', '/api/request/voucher', { phoneNumber: '+84909123456', callbackUrl: receiver.url, ...extra });
  const stats = async () => (await call(vps.url, 'GET', '/admin/stats')).body;
  /**
   * Waits until the VPS has nothing left to do: no answer due, no callback unsettled, nothing scheduled. After that it
   * can send nothing more, so a test can count what it sent without waiting to see whether more comes.
   */
  const idle = () =>
    waitFor(async () => {
      const { pending, inFlight, scheduledTasks } = await stats();
      return pending === 0 && inFlight === 0 && scheduledTasks === 0;
    }, 'the VPS to have nothing left to do');
  return { vps, receiver, requestVoucher, stats, idle };
}
