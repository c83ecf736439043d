import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { problem } from '@voucher/platform/http';

/** An onRequest hook: the bearer token, compared in constant time; undefined token: open (LOCAL_DEMO). */
export function requireBearer(token: string | undefined) {
  const expected = token === undefined ? undefined : Buffer.from(token, 'utf8');
  return async (request: FastifyRequest): Promise<void> => {
    if (!expected) return;
    const offered = Buffer.from(/^Bearer (.+)$/i.exec(request.headers.authorization ?? '')?.[1] ?? '', 'utf8');
    if (offered.length !== expected.length || !timingSafeEqual(offered, expected)) {
      throw problem.unauthorized('This route needs the admin token (Authorization: Bearer ...).');
    }
  };
}
