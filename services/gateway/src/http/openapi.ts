import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fp from 'fastify-plugin';
import type { FastifyPluginAsync } from 'fastify';
import { CONTENT_SECURITY_POLICY, securityHeaders } from './web-page.ts';

/**
 * The API reference: @fastify/swagger, which collects every route added after it (so the document is generated from
 * the very schemas that validate requests), and @fastify/swagger-ui: a browsable API reference at /docs, the document
 * itself at /docs/json (and /docs/yaml). The operational routes (/healthz, /readyz, /metrics) are added before this
 * and stay out of the customer-facing document.
 *
 * The reference runs under the page's own Content-Security-Policy: swagger-ui's HTML has no inline script or style
 * (its settings come from /docs/static/swagger-initializer.js), and its scripts, styles, fonts and the document are
 * all served from this origin (its stylesheet's `data:` images are allowed by the page's policy already).
 *
 * Runs in the scope that registers it (the server's): in a scope of its own it would see only its own routes.
 */
export const openApi: FastifyPluginAsync = fp(
  async (http) => {
    await http.register(swagger, {
      openapi: {
        openapi: '3.0.3',
        info: {
          title: 'Voucher gateway',
          version: '1.0.0',
          description: 'Buy voucher codes, follow a request, list purchased codes, sign in by SMS code.',
        },
        components: {
          securitySchemes: {
            bearerAuth: {
              type: 'http',
              scheme: 'bearer',
              bearerFormat: 'JWT',
              description: 'An access token from POST /auth/token (or the configured identity provider); needed when AUTH_REQUIRED=true',
            },
          },
        },
      },
    });
    await http.register(swaggerUi, {
      routePrefix: '/docs',
      staticCSP: CONTENT_SECURITY_POLICY,
      // The standalone layout's top bar draws swagger-ui's logo, an SVG with an inline <style> the policy refuses; the
      // base layout has no top bar (whose "Explore" box would only point elsewhere anyway).
      uiConfig: { layout: 'BaseLayout' },
      theme: { title: 'Voucher gateway: API reference' },
      uiHooks: {
        onRequest: (_request, reply, done) => {
          reply.headers(securityHeaders);
          done();
        },
      },
    });
  },
  { name: 'gateway-openapi' },
);
