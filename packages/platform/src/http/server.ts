import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Logger } from '../logging/index.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { clientErrorHandler } from './client-error.ts';
import { sendProblem, toProblem, problem } from './problem.ts';
import { RouteTable } from './route-table.ts';
import { validatorCompiler } from './validation.ts';

export type ReadinessCheck = () => Promise<void> | void;
export type HttpServer = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
> & {
  metrics: Metrics;
  /** Registers a check that /readyz runs; a throwing check makes the process not ready (503). */
  addReadinessCheck(name: string, check: ReadinessCheck): void;
};

export interface HttpServerOptions {
  bodyLimit?: number;
  /**
   * How long a client may take to send a whole request (headers and body) before it gets 408 and is cut off. Node
   * stops the clock once the request has arrived, so a long response (a Server-Sent Events stream) is not cut.
   */
  requestTimeout?: number;
  /** How long a connection may be silent (nothing read or written) before it is closed; 0 turns it off. */
  connectionTimeout?: number;
  /** Fastify's trustProxy: whose X-Forwarded-For gives request.ip. Off by default. */
  trustProxy?: boolean | string;
}

/** Slow requests are found by a sweep of open connections; a short timeout (tests) is swept more often. */
const checkingIntervalFor = (requestTimeout: number) => Math.min(30_000, Math.max(50, Math.floor(requestTimeout / 4)));

/** Query strings carry phone numbers; logs see the path only. */
const pathOnly = (url: string) => url.split('?')[0] ?? '/';

/**
 * The HTTP bootstrap every process shares: problem details for every error (also for requests Node refuses before
 * Fastify sees them, and 405 with Allow for a known path under another method), /healthz, /readyz, /metrics, a
 * per-request log line without query strings, and schema validation through TypeBox.
 */
export function createHttpServer(service: string, logger: Logger, options: HttpServerOptions = {}): HttpServer {
  // Fastify's own defaults are 0 (no limit): a client that sends one byte a minute would hold its socket forever.
  const requestTimeout = options.requestTimeout ?? 30_000;
  const app = Fastify({
    loggerInstance: logger,
    // Fastify's own request lines would carry query strings (phone numbers); onResponse below logs the path only.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimit ?? 64 * 1024,
    keepAliveTimeout: 65_000,
    requestTimeout,
    connectionTimeout: options.connectionTimeout ?? 120_000,
    // Node's header deadline may not be longer than the whole request's; both are enforced by the same sweep.
    http: { headersTimeout: Math.min(requestTimeout, 60_000), connectionsCheckingInterval: checkingIntervalFor(requestTimeout) },
    trustProxy: options.trustProxy ?? false,
    // On close, idle keep-alive connections go at once and requests in flight finish (their answers are sent).
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    // A too-long URL or header block (431), a timeout (408) or malformed HTTP (400) never reaches a route.
    clientErrorHandler,
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as HttpServer;

  app.setValidatorCompiler(validatorCompiler);
  // Every route reads JSON; a text/plain body would reach the schema as a string ("body must be object"): 415 instead.
  app.removeContentTypeParser('text/plain');
  const routeTable = new RouteTable();
  app.addHook('onRoute', (route) => routeTable.add(route.method, route.url));
  const metrics = createMetrics(service);
  const checks = new Map<string, ReadinessCheck>();
  app.decorate('metrics', metrics);
  app.decorate('addReadinessCheck', (name: string, check: ReadinessCheck) => void checks.set(name, check));

  app.setErrorHandler((error: Error, request, reply) => sendProblem(reply, request, toProblem(error, request)));
  app.setNotFoundHandler((request, reply) => {
    const path = pathOnly(request.url);
    const allowed = routeTable.methodsFor(path);
    if (allowed.length > 0 && !allowed.includes(request.method)) {
      return sendProblem(reply, request, problem.methodNotAllowed(request.method, path, allowed));
    }
    return sendProblem(reply, request, problem.notFound(`No route for ${request.method} ${path}.`));
  });

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unknown';
    metrics.httpDuration.observe({ method: request.method, route, status: reply.statusCode }, reply.elapsedTime / 1000);
    if (route !== '/metrics' && route !== '/healthz' && route !== '/readyz') {
      request.log.debug(
        { method: request.method, path: pathOnly(request.url), status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
        'request',
      );
    }
  });

  app.get('/healthz', async () => ({ status: 'ok', service }));
  app.get('/readyz', async (_request, reply) => {
    const failures: Record<string, string> = {};
    for (const [name, check] of checks) {
      try {
        await check();
      } catch (error) {
        failures[name] = (error as Error).message;
      }
    }
    if (Object.keys(failures).length > 0) return reply.code(503).send({ status: 'not ready', service, failures });
    return { status: 'ready', service };
  });
  app.get('/metrics', async (_request, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));
  return app;
}
