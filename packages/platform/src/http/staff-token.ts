import { createHash, timingSafeEqual } from 'node:crypto';
import type { onRequestAsyncHookHandler } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Setting } from '../config/index.ts';
import type { Logger } from '../logging/index.ts';
import type { AdminApp } from './admin-routes.ts';
import { problem } from './problem.ts';
import type { HttpServer } from './server.ts';

const MIN_LENGTH = 32;

/**
 * STAFF_TOKEN: the bank staff's bearer token for the support view (`/admin/requests/...` on the operations ports), the
 * same on every service (the gateway sends it to the others when it gathers their parts). No default, and LOCAL_DEMO
 * makes none up: unset, the support view is off.
 */
export const staffSettings = {
  STAFF_TOKEN: ((raw) => {
    const token = raw?.trim();
    if (!token) return undefined;
    if (token.length < MIN_LENGTH) throw new Error(`must be at least ${MIN_LENGTH} characters long`);
    return token;
  }) as Setting<string | undefined>,
};

/** The detail of the 404 a service without STAFF_TOKEN answers on its staff routes (so a caller can tell it from "unknown"). */
export const SUPPORT_VIEW_OFF = 'The support view is off on this service: STAFF_TOKEN is not set.';

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * An onRequest hook for the support view's routes: without STAFF_TOKEN they do not exist (404, saying how to turn them
 * on); no bearer token is a 401, another token a 403. Compared as SHA-256 digests in constant time.
 */
export function requireStaffToken(token: string | undefined): onRequestAsyncHookHandler {
  const expected = token === undefined ? undefined : digest(token);
  return async (request) => {
    if (!expected) throw problem.notFound(SUPPORT_VIEW_OFF);
    const given = /^Bearer ([^\s]+)$/i.exec(request.headers.authorization ?? '')?.[1];
    if (given === undefined) throw problem.unauthorized('The support view needs the staff token (Authorization: Bearer ...).');
    if (!timingSafeEqual(digest(given), expected)) throw problem.forbidden('This is not the staff token.');
  };
}

/**
 * Adds staff routes (the support view) to the operations port, behind requireStaffToken; says at start-up when they are
 * off. Call before listen().
 */
export async function registerStaffRoutes(
  http: HttpServer,
  token: string | undefined,
  logger: Logger,
  routes: (scope: AdminApp) => void,
): Promise<void> {
  if (!token) logger.info('STAFF_TOKEN is unset: the support view (/admin/requests/... on the operations port) is off');
  await http.adminRoutes.register(async (scope) => {
    scope.addHook('onRequest', requireStaffToken(token));
    routes(scope.withTypeProvider<TypeBoxTypeProvider>() as AdminApp);
  });
}
