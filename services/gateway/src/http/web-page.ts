import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';

const publicDir = fileURLToPath(new URL('../../public', import.meta.url));

/** GET /app-config.json: what the page needs to know before it starts. */
const AppConfigResponse = Type.Object({ authRequired: Type.Boolean(), webDeadlineMs: Type.Integer() });

/**
 * Only the page's own files may run or style it: no inline scripts or styles, nothing from elsewhere. The API
 * reference at /docs runs under the same policy.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Sent with every file of the page and of the API reference. */
export const securityHeaders = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

export interface PageSettings {
  authRequired: boolean;
  webDeadlineMs: number;
}

/** The customer web page (public/, index.html at /) and the settings it reads at start, /app-config.json. */
export const webPage: FastifyPluginAsyncTypebox<PageSettings> = async (http, settings) => {
  http.get(
    '/app-config.json',
    { schema: { summary: 'Settings the web page reads', tags: ['page'], response: { 200: AppConfigResponse } } },
    async (_request, reply) => {
      reply.header('cache-control', 'no-cache');
      return { authRequired: settings.authRequired, webDeadlineMs: settings.webDeadlineMs };
    },
  );
  await http.register(fastifyStatic, {
    root: publicDir,
    index: ['index.html'],
    cacheControl: true,
    maxAge: 0,
    setHeaders: (response) => {
      for (const [name, value] of Object.entries(securityHeaders)) response.setHeader(name, value);
    },
  });
};
