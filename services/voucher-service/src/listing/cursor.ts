import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ListingPosition } from '../store/rows.ts';

/**
 * Opaque keyset cursors for the listing: `base64url(issuedAt|requestId).base64url(HMAC-SHA256)`. The signature
 * covers the phone number too, so a cursor only continues the listing it was issued for: it cannot be edited to
 * jump elsewhere nor replayed against another customer's codes.
 */
export type CursorResult = { ok: true; position: ListingPosition } | { ok: false; reason: string };

const SEPARATOR = '|';
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** base64url as Node writes it: a string that decodes and re-encodes to itself (no free low bits in the last character). */
const isCanonicalBase64url = (text: string) => BASE64URL.test(text) && Buffer.from(text, 'base64url').toString('base64url') === text;

export class CursorCodec {
  readonly #secret: string;
  readonly #previousSecret: string | undefined;

  /**
   * `secret` signs every new cursor; `previousSecret` (CURSOR_SECRET_PREVIOUS, during a rotation) is only accepted
   * when verifying, so cursors handed out before the rotation keep working until the old key is dropped.
   */
  constructor(secret: string, previousSecret?: string) {
    this.#secret = secret;
    this.#previousSecret = previousSecret;
  }

  encode(phoneNumber: string, position: ListingPosition): string {
    const payload = Buffer.from(`${position.issuedAt}${SEPARATOR}${position.requestId}`).toString('base64url');
    return `${payload}.${sign(this.#secret, phoneNumber, payload).toString('base64url')}`;
  }

  decode(phoneNumber: string, cursor: string): CursorResult {
    const [payload, signature, ...rest] = cursor.split('.');
    if (!payload || !signature || rest.length > 0 || !isCanonicalBase64url(payload) || !isCanonicalBase64url(signature)) {
      return { ok: false, reason: 'cursor is malformed' };
    }
    const given = Buffer.from(signature, 'base64url');
    const keys = this.#previousSecret === undefined ? [this.#secret] : [this.#secret, this.#previousSecret];
    if (!keys.some((key) => matches(given, sign(key, phoneNumber, payload)))) {
      return { ok: false, reason: 'cursor was not issued for this listing' };
    }
    return parsePosition(Buffer.from(payload, 'base64url').toString('utf8'));
  }
}

function sign(secret: string, phoneNumber: string, payload: string): Buffer {
  return createHmac('sha256', secret).update(`${phoneNumber}\n${payload}`).digest();
}

const matches = (given: Buffer, expected: Buffer) => given.length === expected.length && timingSafeEqual(given, expected);

/** Signed payloads come from encode(), so this only fails if the key was shared with something else. */
function parsePosition(text: string): CursorResult {
  const [issuedAt = '', requestId = ''] = text.split(SEPARATOR);
  if (!ISO_UTC.test(issuedAt) || Number.isNaN(Date.parse(issuedAt)) || !UUID.test(requestId)) {
    return { ok: false, reason: 'cursor is malformed' };
  }
  return { ok: true, position: { issuedAt, requestId } };
}
