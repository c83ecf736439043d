import { readFile } from 'node:fs/promises';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

const publicDir = new URL('../../public/', import.meta.url);

/** The inbox page's files, read once at start-up: plain HTML, CSS and a small script, no build step. */
const assets = [
  { path: '/', file: 'index.html', type: 'text/html; charset=utf-8' },
  { path: '/inbox.js', file: 'inbox.js', type: 'text/javascript; charset=utf-8' },
  { path: '/inbox.css', file: 'inbox.css', type: 'text/css; charset=utf-8' },
];

/** Everything the page needs comes from this origin; nothing inline, so injected markup could not run. */
const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'";

export const inboxRoutes: FastifyPluginAsyncTypebox = async (app) => {
  for (const asset of assets) {
    const content = await readFile(new URL(asset.file, publicDir), 'utf8');
    app.get(asset.path, async (_request, reply) =>
      reply
        .type(asset.type)
        .header('content-security-policy', CONTENT_SECURITY_POLICY)
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'no-cache')
        .send(content),
    );
  }
};
