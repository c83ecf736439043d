import Fastify, {
  LogController,
  type FastifyListenOptions,
  type FastifyBaseLogger,
  type FastifyInstance,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ConfigError, loadConfig } from '../config/env.ts';
import { adminSettings, listenSettings } from '../config/common.ts';
import type { Logger } from '../logging/index.ts';
import { createAdminRouter, type AdminApp } from './admin-routes.ts';
import { AdminServer } from './admin-server.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { clientErrorHandler } from './client-error.ts';
import { sendProblem, toProblem, problem } from './problem.ts';
import { requestLoggerFactory } from './request-logger.ts';
import { RouteTable } from './route-table.ts';
import { validatorCompiler } from './validation.ts';

export type ReadinessCheck = () => Promise<void> | void;

// The decorators createHttpServer adds, typed the way Fastify's own plugins type theirs.
declare module 'fastify' {
  interface FastifyInstance {
    metrics: Metrics;
    /** Registers a check that /readyz runs; a throwing check makes the process not ready (503). */
    addReadinessCheck(name: string, check: ReadinessCheck): void;
    /** The operations port's base URL (/metrics, /readyz with reasons) while the server listens; undefined otherwise. */
    readonly adminUrl: string | undefined;
    /** Routes of the operations port (never the public one); add them before listen(). */
    adminRoutes: AdminApp;
  }
}

/** A service's public HTTP server: Fastify with TypeBox schemas and the decorators above. */
export type HttpServer = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

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
  /**
   * Where /metrics and the detailed /readyz are served: `port` (ADMIN_PORT by default; unset, the public port + 1000,
   * or 0 when that is 0; 0 picks a free port) on `host` (ADMIN_HOST, by default 127.0.0.1).
   */
  admin?: { port?: number; host?: string };
  /**
   * Share the public port with other processes of this service (SO_REUSEPORT; Linux spreads connections over them).
   * LISTEN_REUSE_PORT by default; off, a port another process holds fails listen() (EADDRINUSE).
   */
  reusePort?: boolean;
}

/** Slow requests are found by a sweep of open connections; a short timeout (tests) is swept more often. */
const checkingIntervalFor = (requestTimeout: number) => Math.min(30_000, Math.max(50, Math.floor(requestTimeout / 4)));

/** The operations port for a public one: 1000 above it (9080 for 8080), and a free one when the public one is. */
function defaultAdminPort(publicPort: number): number {
  if (publicPort === 0) return 0;
  if (publicPort + 1000 > 65535) throw new ConfigError([`ADMIN_PORT is required when the port is above 64535 (got ${publicPort})`]);
  return publicPort + 1000;
}

/** Query strings carry phone numbers; logs see the path only. */
const pathOnly = (url: string) => url.split('?')[0] ?? '/';

/**
 * The HTTP bootstrap every process shares: problem details for every error (also for requests Node refuses before
 * Fastify sees them, and 405 with Allow for a known path under another method), /healthz and a bare /readyz (200 or
 * 503, no reasons), a per-request log line without query strings, and schema validation through TypeBox.
 *
 * /metrics and a /readyz that names each failing check and why are on a second, operations port (AdminServer) that
 * listens when this server listens (a taken port fails listen() and closes the public port again) and closes with it:
 * what the process counts, and the errors of its database and broker, are not for the internet.
 */
export function createHttpServer(service: string, logger: Logger, options: HttpServerOptions = {}): HttpServer {
  const fromEnvironment = loadConfig({ ...adminSettings, ...listenSettings });
  const adminHost = options.admin?.host ?? fromEnvironment.ADMIN_HOST;
  const adminPort = options.admin?.port ?? fromEnvironment.ADMIN_PORT;
  const reusePort = options.reusePort ?? fromEnvironment.LISTEN_REUSE_PORT;
  // Fastify's own defaults are 0 (no limit): a client that sends one byte a minute would hold its socket forever.
  const requestTimeout = options.requestTimeout ?? 30_000;
  // Typed as Fastify's base logger (which pino's is), so that the instance is the HttpServer type the services use.
  const loggerInstance: FastifyBaseLogger = logger;
  const app = Fastify({
    loggerInstance,
    // Fastify's own request lines would carry query strings (phone numbers); onResponse below logs the path only.
    logController: new LogController({ disableRequestLogging: true }),
    // request.log costs nothing until it writes a line: most requests write none (request-logger.ts).
    childLoggerFactory: requestLoggerFactory,
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
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  // Every route reads JSON; a text/plain body would reach the schema as a string ("body must be object"): 415 instead.
  app.removeContentTypeParser('text/plain');
  const routeTable = new RouteTable();
  app.addHook('onRoute', (route) => routeTable.add(route.method, route.url));
  const metrics = createMetrics(service);
  const checks = new Map<string, ReadinessCheck>();
  app.decorate('metrics', metrics);
  app.decorate('addReadinessCheck', (name: string, check: ReadinessCheck) => void checks.set(name, check));
  const failures = async () => {
    const failed: Record<string, string> = {};
    for (const [name, check] of checks) {
      try {
        await check();
      } catch (error) {
        failed[name] = (error as Error).message;
      }
    }
    return failed;
  };
  const adminRouter = createAdminRouter(logger);
  const admin = new AdminServer({
    service,
    failures,
    metrics: async () => ({ contentType: metrics.registry.contentType, body: await metrics.registry.metrics() }),
    others: adminRouter.handle,
  });
  app.decorate('adminUrl', { getter: () => admin.url });
  app.decorate('adminRoutes', adminRouter.app);
  app.addHook('onClose', async () => {
    await admin.close();
    await adminRouter.close();
  });
  // Promise-style listen (the only one the services use), followed by the operations port's. Fastify hands its options
  // to Node's server.listen() as they are, so `reusePort` (Node ≥ 22.12, not in Fastify's types) reaches the socket.
  const listenPublic = app.listen.bind(app) as (listenOptions?: FastifyListenOptions & { reusePort?: boolean }) => Promise<string>;
  const listen = async (listenOptions: FastifyListenOptions = {}): Promise<string> => {
    const address = await listenPublic(reusePort ? { ...listenOptions, reusePort } : listenOptions);
    try {
      await adminRouter.ready();
      await admin.listen(adminPort ?? defaultAdminPort(Number(listenOptions.port ?? 0)), adminHost);
    } catch (error) {
      await app.close().catch(() => {});
      throw error;
    }
    app.log.info({ adminUrl: admin.url, reusePort }, 'operations endpoints (/metrics, /readyz) listening');
    return address;
  };
  Object.assign(app, { listen });

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
    if (route !== '/healthz' && route !== '/readyz') {
      request.log.debug(
        { method: request.method, path: pathOnly(request.url), status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
        'request',
      );
    }
  });

  app.get('/healthz', async () => ({ status: 'ok', service }));
  // For load balancers and orchestrators: whether to send traffic here, and nothing about why (that is on the admin port).
  app.get('/readyz', async (_request, reply) => {
    if (Object.keys(await failures()).length > 0) return reply.code(503).send({ status: 'not ready', service });
    return { status: 'ready', service };
  });
  return app;
}
