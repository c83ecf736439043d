import { createHash, timingSafeEqual } from 'node:crypto';
import type { onRequestAsyncHookHandler } from 'fastify';
import { problem } from '@voucher/platform/http';

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * The gateway's credential on every /api call: `Authorization: Bearer <VOUCHER_SERVICE_TOKEN>` (or the previous token
 * during a rotation). Compared as SHA-256 digests with timingSafeEqual, so neither the time taken nor a length check
 * tells a caller how much of a guess was right. Anything else is a 401 before the route runs.
 */
export function requireServiceToken(tokens: readonly string[]): onRequestAsyncHookHandler {
  const accepted = tokens.map(digest);
  return async (request) => {
    const match = /^Bearer ([^\s]+)$/.exec(request.headers.authorization ?? '');
    const given = digest(match?.[1] ?? '');
    // Every accepted token is compared, whatever matched first.
    const valid = accepted.reduce((found, token) => timingSafeEqual(token, given) || found, false);
    if (!match || !valid) throw problem.unauthorized('This service answers only the gateway: send its service token as a bearer token.');
  };
}
