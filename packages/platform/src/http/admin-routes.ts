import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
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
import { problem, sendProblem, toProblem } from './problem.ts';
import { validatorCompiler } from './validation.ts';

/** Where a service adds routes of its own to the operations port (the support view's `/admin/...`). */
export type AdminApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

export interface AdminRouter {
  app: AdminApp;
  /** Serves one request of the operations port that none of its own routes (/metrics, /readyz, /healthz) took. */
  handle(request: IncomingMessage, response: ServerResponse): void;
  /** Compiles the routes; after this no route can be added. */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A Fastify instance that never listens: the operations port's node:http server hands it the requests its fixed routes
 * do not answer, so a service's admin routes get what public ones get (schemas, RFC 9457 problems, 404/405) without
 * the public server's hooks (rate limits, the page) ever seeing them. Nothing is logged per request.
 */
export function createAdminRouter(logger: Logger): AdminRouter {
  let handler: ((request: IncomingMessage, response: ServerResponse) => void) | undefined;
  const loggerInstance: FastifyBaseLogger = logger; // as in createHttpServer: no cast needed for the AdminApp type
  const app = Fastify({
    loggerInstance,
    logController: new LogController({ disableRequestLogging: true }),
    // The handler Fastify would give its own server is what the operations port calls; this server never listens.
    serverFactory: (handle) => {
      handler = handle;
      return createServer();
    },
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setErrorHandler((error: Error, request, reply) => sendProblem(reply, request, toProblem(error, request)));
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, request, problem.notFound(`No route for ${request.method} ${request.url.split('?')[0] ?? '/'}.`)),
  );
  return {
    app,
    handle: (request, response) => handler!(request, response),
    ready: async () => void (await app.ready()),
    close: () => app.close(),
  };
}
