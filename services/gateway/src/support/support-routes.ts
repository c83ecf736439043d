import { readFile } from 'node:fs/promises';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { SupportParams, SupportTimeline } from '@voucher/contracts';
import type { Database } from '@voucher/platform/database';
import { problem, registerStaffRoutes, SUPPORT_VIEW_OFF } from '@voucher/platform/http';
import type { Logger } from '@voucher/platform/logging';
import { securityHeaders } from '../http/web-page.ts';
import { requestTimeline } from './request-timeline.ts';
import type { PartSource } from './service-parts.ts';

export interface SupportViewDeps {
  db: Database;
  logger: Logger;
  /** Unset: the support view is off (its routes answer 404). */
  staffToken?: string;
  sources: PartSource[];
  timeoutMs: number;
}

const PAGE_FILES = {
  '/admin/support': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/admin/support/support.js': { file: 'support.js', type: 'text/javascript; charset=utf-8' },
  '/admin/support/support.css': { file: 'support.css', type: 'text/css; charset=utf-8' },
};

/**
 * The support view on the gateway's operations port: `GET /admin/requests/{requestId}` (staff token) answers one
 * request's timeline across the services, and `/admin/support` is the staff page that shows it. The page holds no data
 * (its script asks for the token and sends it as a bearer token), and runs under the customer page's strict CSP.
 */
export const supportView: FastifyPluginAsyncTypebox<SupportViewDeps> = async (http, deps) => {
  const { staffToken } = deps;
  await registerStaffRoutes(http, staffToken, deps.logger, (admin) => {
    admin.get('/admin/requests/:requestId', { schema: { params: SupportParams, response: { 200: SupportTimeline } } }, (request) =>
      requestTimeline({ ...deps, staffToken: staffToken! }, (request.params as { requestId: string }).requestId),
    );
  });
  for (const [path, { file, type }] of Object.entries(PAGE_FILES)) {
    const body = await readFile(new URL(`./page/${file}`, import.meta.url));
    http.adminRoutes.get(path, async (_request, reply) => {
      if (!staffToken) throw problem.notFound(SUPPORT_VIEW_OFF);
      return reply
        .headers({ ...securityHeaders, 'cache-control': 'no-cache' })
        .type(type)
        .send(body);
    });
  }
};
