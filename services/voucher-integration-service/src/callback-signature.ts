import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com): the sender signs `<id>.<timestamp>.<body>` with
 * HMAC-SHA256 under a shared secret `whsec_<base64>` and sends `webhook-id`, `webhook-timestamp` (Unix seconds) and
 * `webhook-signature: v1,<base64 HMAC>` (several space-separated signatures are allowed, e.g. during a rotation).
 */
export const signatureHeaders = { id: 'webhook-id', timestamp: 'webhook-timestamp', signature: 'webhook-signature' } as const;

/** How far a signature's timestamp may be from now, either way. */
export const signatureToleranceMs = 5 * 60 * 1000;

/** The key bytes of a `whsec_<base64>` secret; throws a message when it is not one (at least 16 bytes of key). */
export function webhookKey(secret: string): Buffer {
  const match = /^whsec_([A-Za-z0-9+/]+={0,2})$/.exec(secret.trim());
  const key = match ? Buffer.from(match[1]!, 'base64') : Buffer.alloc(0);
  if (key.length < 16) throw new Error('must be whsec_ followed by the base64 of at least 16 random bytes');
  return key;
}

/** `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`. */
export function sign(key: Buffer, id: string, timestampSeconds: number, body: string | Buffer): string {
  const mac = createHmac('sha256', key).update(`${id}.${timestampSeconds}.`).update(body).digest('base64');
  return `v1,${mac}`;
}

/** The three headers that sign `body`, now. */
export function signedHeaders(key: Buffer, id: string, body: string, now = Date.now()): Record<string, string> {
  const timestamp = Math.floor(now / 1000);
  return {
    [signatureHeaders.id]: id,
    [signatureHeaders.timestamp]: String(timestamp),
    [signatureHeaders.signature]: sign(key, id, timestamp, body),
  };
}

export type Verification = { ok: true; id: string } | { ok: false; reason: string };

/**
 * Checks a request's signature under any of `keys` (the current secret, then the previous one during a rotation):
 * the headers present and well formed, the timestamp within the tolerance, and one `v1` signature equal (constant
 * time) to the HMAC of this body. Whether the id was seen before is the caller's to check.
 */
export function verify(
  keys: Buffer[],
  headers: Record<string, string | string[] | undefined>,
  body: Buffer,
  now = Date.now(),
): Verification {
  const one = (name: string) => (typeof headers[name] === 'string' ? (headers[name] as string) : undefined);
  const id = one(signatureHeaders.id);
  const timestamp = one(signatureHeaders.timestamp);
  const signatures = one(signatureHeaders.signature);
  if (!id || !timestamp || !signatures) return { ok: false, reason: 'missing webhook signature headers' };
  if (!/^[\x21-\x7e]{1,256}$/.test(id)) return { ok: false, reason: 'malformed webhook-id' };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'malformed webhook-timestamp' };
  if (Math.abs(now - Number(timestamp) * 1000) > signatureToleranceMs)
    return { ok: false, reason: 'webhook-timestamp outside the tolerance' };
  const offered = signatures
    .split(' ')
    .filter((entry) => entry.startsWith('v1,'))
    .map((entry) => Buffer.from(entry.slice(3), 'base64'));
  for (const key of keys) {
    const expected = Buffer.from(sign(key, id, Number(timestamp), body).slice(3), 'base64');
    if (offered.some((candidate) => candidate.length === expected.length && timingSafeEqual(candidate, expected))) return { ok: true, id };
  }
  return { ok: false, reason: 'no valid signature' };
}
