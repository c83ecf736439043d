import swagger from '@fastify/swagger';
import type { HttpServer } from '@voucher/platform/http';

/**
 * Registers @fastify/swagger, which collects every route added after it (so the document is generated from the
 * very schemas that validate requests), and serves the document at /docs and /docs/json. The operational routes
 * (/healthz, /readyz, /metrics) are added before this and stay out of the customer-facing document.
 */
export async function registerOpenApi(http: HttpServer): Promise<void> {
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
  const document = () => http.swagger();
  http.get('/docs', { schema: { hide: true } }, document);
  http.get('/docs/json', { schema: { hide: true } }, document);
}
