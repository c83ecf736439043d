import { createLogger } from '@voucher/platform/logging';
import { readConfig } from '../src/config.ts';
import { startSms, type SmsService } from '../src/service.ts';

export async function startTestSms(t: { after(fn: () => Promise<void>): void }, env: Record<string, string> = {}): Promise<SmsService> {
  const config = readConfig({ SMS_PORT: '0', LOG_LEVEL: 'silent', SMS_ADMIN_TOKEN: ADMIN_TOKEN, ...env });
  const sms = await startSms(config, createLogger('sms', 'silent'));
  t.after(() => sms.close());
  return sms;
}

/** The admin token of the test SMS gateway; `call` sends it unless told otherwise. */
export const ADMIN_TOKEN = 'test-sms-admin-token-0123456789';

export async function call(base: string, method: string, path: string, body?: unknown, extraHeaders: Record<string, string> = {}) {
  const headers = { authorization: `Bearer ${ADMIN_TOKEN}`, ...extraHeaders };
  const response = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const contentType = response.headers.get('content-type') ?? '';
  return { status: response.status, headers: response.headers, contentType, body: contentType.includes('json') ? JSON.parse(text) : text };
}
