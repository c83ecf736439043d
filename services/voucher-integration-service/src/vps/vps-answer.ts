import { isWellFormedChallenge, transformMethods, type TransformMethod } from '../pkce.ts';

/**
 * How a call failed, which says what the VPS may hold: it refused the request itself (`refused`, a 4xx other than 408
 * and 429), so, being idempotent on requestId, it holds no code for it; it failed (`error`: a 5xx, 408, 429 or any
 * other status) or answered outside its contract (`invalid`), which says nothing about earlier calls; no answer came
 * in time (`timeout`) or the connection broke after the call was sent (`dropped`), so it may have issued a code we
 * never heard of; or no connection was made (`unreachable`), so it never heard of this call.
 */
export type VpsFailure = 'refused' | 'error' | 'invalid' | 'timeout' | 'dropped' | 'unreachable';

/** A 4xx refuses the request itself; 408 and 429 only say "not now", as a 5xx does. */
const refuses = (statusCode: number) => statusCode >= 400 && statusCode < 500 && statusCode !== 408 && statusCode !== 429;

/** What one call to the VPS came to. The VPS is a third party: anything outside its contract is an error. */
export type VpsAnswer =
  | { kind: 'code'; status: 'SUCCESS' | 'LATE_SUCCESS'; voucherCode: string }
  | { kind: 'challenge'; codeChallenge: string; transformMethod: TransformMethod }
  | { kind: 'error'; outcome: VpsFailure; reason: string };

/** Matches the receive-code contract: 1 to 128 printable characters. */
export function isValidVoucherCode(value: unknown): value is string {
  return typeof value === 'string' && /^[\x21-\x7e]{1,128}$/.test(value);
}

const invalid = (reason: string): VpsAnswer => ({ kind: 'error', outcome: 'invalid', reason });

function fieldsOf(body: unknown): Record<string, unknown> | undefined {
  return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
}

/**
 * Reads a VPS answer: 200 must carry a code, 202 a well-formed PKCE challenge (S256; plain only with `allowPlain`);
 * every other answer is an error. A 200
 * may say LATE_SUCCESS: asked again about a request whose callback time has passed, the VPS answers with the code and
 * the status its callback carried.
 */
export function interpretVpsAnswer(statusCode: number, body: unknown, options: { allowPlain?: boolean } = {}): VpsAnswer {
  if (statusCode !== 200 && statusCode !== 202) {
    return { kind: 'error', outcome: refuses(statusCode) ? 'refused' : 'error', reason: `VPS answered ${statusCode}` };
  }
  const fields = fieldsOf(body);
  if (!fields) return invalid(`VPS answered ${statusCode} without a JSON object`);
  if (statusCode === 200) {
    if (fields.status !== 'SUCCESS' && fields.status !== 'LATE_SUCCESS')
      return invalid('VPS answered 200 without status SUCCESS or LATE_SUCCESS');
    if (!isValidVoucherCode(fields.voucherCode)) return invalid('VPS answered 200 without a valid voucherCode');
    return { kind: 'code', status: fields.status, voucherCode: fields.voucherCode };
  }
  const method = fields.transformMethod as TransformMethod;
  if (!transformMethods.includes(method)) return invalid('VPS answered 202 without transformMethod S256 or plain');
  // A plain challenge is its own verifier: whoever sees this answer could redeem the request first (PKCE_ALLOW_PLAIN).
  if (method === 'plain' && options.allowPlain !== true)
    return invalid('VPS answered 202 with transformMethod plain, which is not allowed');
  if (typeof fields.codeChallenge !== 'string' || !isWellFormedChallenge(fields.codeChallenge, method)) {
    return invalid(`VPS answered 202 without a well-formed ${method} codeChallenge`);
  }
  return { kind: 'challenge', codeChallenge: fields.codeChallenge, transformMethod: method };
}
