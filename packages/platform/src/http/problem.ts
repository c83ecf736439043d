import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isUnavailable } from '../database/errors.ts';
import { AppError } from '../errors/app-error.ts';
import { describeValidation, type InvalidParam } from './validation.ts';

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

export type { InvalidParam };

export const problem = {
  badRequest: (detail: string, extra?: Record<string, unknown>) => new HttpProblem(400, 'Bad Request', detail, { extra }),
  /** A 400 about one input: the detail for people, and the field in the `errors` extension for programs. */
  invalidParam: (param: InvalidParam) => new HttpProblem(400, 'Bad Request', param.message, { extra: { errors: [param] } }),
  unauthorized: (detail: string) => new HttpProblem(401, 'Unauthorized', detail, { headers: { 'www-authenticate': 'Bearer' } }),
  forbidden: (detail: string) => new HttpProblem(403, 'Forbidden', detail),
  notFound: (detail: string) => new HttpProblem(404, 'Not Found', detail),
  methodNotAllowed: (method: string, path: string, allowed: string[]) =>
    new HttpProblem(405, 'Method Not Allowed', `${path} does not accept ${method}; it accepts ${allowed.join(', ')}.`, {
      headers: { allow: allowed.join(', ') },
    }),
  conflict: (detail: string) => new HttpProblem(409, 'Conflict', detail),
  tooManyRequests: (detail: string, retryAfterSeconds: number) =>
    new HttpProblem(429, 'Too Many Requests', detail, { headers: { 'retry-after': String(retryAfterSeconds) } }),
  unavailable: (detail: string, retryAfterSeconds: number) =>
    new HttpProblem(503, 'Service Unavailable', detail, { headers: { 'retry-after': String(retryAfterSeconds) } }),
};

/** The JSON body of a problem; `instance` is the path alone (query strings carry phone numbers), when there is one. */
export function problemBody(error: HttpProblem, path?: string): Record<string, unknown> {
  const instance = path === undefined ? {} : { instance: path };
  return { type: 'about:blank', title: error.title, status: error.status, detail: error.message, ...instance, ...error.extra };
}

export function sendProblem(reply: FastifyReply, request: FastifyRequest, error: HttpProblem): FastifyReply {
  return reply
    .code(error.status)
    .headers(error.headers)
    .type('application/problem+json')
    .send(problemBody(error, request.url.split('?')[0] ?? '/'));
}

const JSON_EXPECTED = 'This endpoint reads a JSON body: send it with Content-Type: application/json, or send no body at all.';

/** Fastify's own client errors, in words a caller can act on (Fastify names them all "FastifyError"). */
function fromFastifyCode(error: FastifyError, request: FastifyRequest): HttpProblem | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new HttpProblem(400, 'Malformed JSON body', `The request body is not valid JSON. ${JSON_EXPECTED}`);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new HttpProblem(400, 'Malformed JSON body', `The request body is empty, yet its Content-Type says JSON. ${JSON_EXPECTED}`);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE': {
      const given = request.headers['content-type'];
      const got = given ? `Content-Type ${given.split(';')[0]} is not accepted` : 'The body has no Content-Type';
      return new HttpProblem(415, 'Unsupported media type', `${got}. ${JSON_EXPECTED}`);
    }
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new HttpProblem(413, 'Content Too Large', 'The request body is larger than this endpoint accepts.');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new HttpProblem(400, 'Bad Request', 'The Content-Length header does not match the body.');
    default:
      return undefined;
  }
}

/** A package's error that says what it means to a caller (its status): the problem, with the headers that status wants. */
function fromAppError(error: AppError, status: number): HttpProblem {
  const headers: Record<string, string> = {};
  if (status === 401) headers['www-authenticate'] = 'Bearer';
  if (error.retryAfterSeconds !== undefined) headers['retry-after'] = String(error.retryAfterSeconds);
  return new HttpProblem(status, STATUS_CODES[status] ?? 'Error', error.message, { headers });
}

/** Maps anything a route or Fastify throws to a problem; unexpected errors are logged and answered without detail. */
export function toProblem(error: FastifyError | Error, request: FastifyRequest): HttpProblem {
  if (error instanceof HttpProblem) return error;
  if (error instanceof AppError && error.status !== undefined) return fromAppError(error, error.status);
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    const errors = describeValidation(fastifyError.validation, fastifyError.validationContext);
    return new HttpProblem(400, 'Bad Request', errors.map((param) => param.message).join(' '), { extra: { errors } });
  }
  const known = fromFastifyCode(fastifyError, request);
  if (known) return known;
  const status = fastifyError.statusCode;
  if (status && status >= 400 && status < 500) return new HttpProblem(status, STATUS_CODES[status] ?? 'Bad Request', error.message);
  if (isUnavailable(error)) {
    // The database (or another dependency) is restarting: nothing was done, and a retry shortly will work.
    request.log.warn({ err: error }, 'a dependency is unavailable');
    return problem.unavailable('A service this request needs is unavailable for a moment; nothing was changed. Please retry.', 2);
  }
  request.log.error({ err: error }, 'unhandled error');
  return new HttpProblem(500, 'Internal Server Error', 'The server could not complete the request.');
}
