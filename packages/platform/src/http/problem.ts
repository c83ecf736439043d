import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

/** An RFC 9457 problem; thrown anywhere in a route, it becomes an application/problem+json answer. */
export class HttpProblem extends Error {
  readonly status: number;
  readonly title: string;
  readonly extra: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    title: string,
    detail: string,
    options: { extra?: Record<string, unknown>; headers?: Record<string, string> } = {},
  ) {
    super(detail);
    this.status = status;
    this.title = title;
    this.extra = options.extra ?? {};
    this.headers = options.headers ?? {};
  }
}

export const problem = {
  badRequest: (detail: string, extra?: Record<string, unknown>) => new HttpProblem(400, 'Bad Request', detail, { extra }),
  unauthorized: (detail: string) => new HttpProblem(401, 'Unauthorized', detail, { headers: { 'www-authenticate': 'Bearer' } }),
  forbidden: (detail: string) => new HttpProblem(403, 'Forbidden', detail),
  notFound: (detail: string) => new HttpProblem(404, 'Not Found', detail),
  conflict: (detail: string) => new HttpProblem(409, 'Conflict', detail),
  tooManyRequests: (detail: string, retryAfterSeconds: number) =>
    new HttpProblem(429, 'Too Many Requests', detail, { headers: { 'retry-after': String(retryAfterSeconds) } }),
  unavailable: (detail: string, retryAfterSeconds: number) =>
    new HttpProblem(503, 'Service Unavailable', detail, { headers: { 'retry-after': String(retryAfterSeconds) } }),
};

export function sendProblem(reply: FastifyReply, request: FastifyRequest, error: HttpProblem): FastifyReply {
  return reply
    .code(error.status)
    .headers(error.headers)
    .type('application/problem+json')
    .send({
      type: 'about:blank',
      title: error.title,
      status: error.status,
      detail: error.message,
      instance: request.url.split('?')[0],
      ...error.extra,
    });
}

/** Maps anything a route or Fastify throws to a problem; unexpected errors are logged and answered without detail. */
export function toProblem(error: FastifyError | Error, request: FastifyRequest): HttpProblem {
  if (error instanceof HttpProblem) return error;
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    return problem.badRequest(error.message, {
      errors: fastifyError.validation.map((issue) => ({
        field: issue.instancePath || issue.params?.missingProperty,
        message: issue.message,
      })),
    });
  }
  const status = fastifyError.statusCode;
  if (status && status >= 400 && status < 500) return new HttpProblem(status, fastifyError.name || 'Bad Request', error.message);
  request.log.error({ err: error }, 'unhandled error');
  return new HttpProblem(500, 'Internal Server Error', 'The server could not complete the request.');
}
