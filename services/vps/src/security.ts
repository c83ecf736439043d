import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { problem } from '@voucher/platform/http';

/** The key bytes of a Standard Webhooks secret `whsec_<base64>` (at least 16 bytes); throws a message otherwise. */
export function webhookKey(secret: string): Buffer {
  const match = /^whsec_([A-Za-z0-9+/]+={0,2})$/.exec(secret.trim());
  const key = match ? Buffer.from(match[1]!, 'base64') : Buffer.alloc(0);
  if (key.length < 16) throw new Error('must be whsec_ followed by the base64 of at least 16 random bytes');
  return key;
}

/**
 * Standard Webhooks headers for one attempt: `webhook-id` (the same for every attempt of one callback),
 * `webhook-timestamp` (now, in seconds) and `webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`.
 */
export function webhookHeaders(key: Buffer, id: string, body: string, now = Date.now()): Record<string, string> {
  const timestamp = Math.floor(now / 1000);
  const mac = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
  return { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': `v1,${mac}` };
}

/** `host[:port]` entries; an entry without a port allows every port of its host. Host names compare case-blind. */
export function parseAllowedHosts(raw: string): string[] {
  const entries = raw
    .split(',')
    .map((entry) => entry.trim().toLowerCase())
    .filter(Boolean);
  for (const entry of entries) {
    if (!URL.canParse(`http://${entry}/`) || new URL(`http://${entry}/`).host !== entry.replace(/:(80)$/, '')) {
      throw new Error(`must be a comma list of host[:port], got '${entry}'`);
    }
  }
  if (entries.length === 0) throw new Error('must be a comma list of host[:port]');
  return entries;
}

/** Whether `url`'s host (and port) is on the list; undefined list: every host (LOCAL_DEMO). */
export function isAllowedCallback(url: URL, allowed: string[] | undefined): boolean {
  if (!allowed) return true;
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  const host = url.hostname.toLowerCase();
  return allowed.includes(`${host}:${port}`) || allowed.includes(host);
}

/** An onRequest hook: the bearer token, compared in constant time; undefined token: open (LOCAL_DEMO). */
export function requireBearer(token: string | undefined) {
  const expected = token === undefined ? undefined : Buffer.from(token, 'utf8');
  return async (request: FastifyRequest): Promise<void> => {
    if (!expected) return;
    const header = request.headers.authorization ?? '';
    const offered = Buffer.from(/^Bearer (.+)$/i.exec(header)?.[1] ?? '', 'utf8');
    if (offered.length !== expected.length || !timingSafeEqual(offered, expected)) {
      throw problem.unauthorized('These routes need the admin token (Authorization: Bearer ...).');
    }
  };
}
