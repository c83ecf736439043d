import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { HttpProblem, problemBody } from './problem.ts';

/** What Node's HTTP parser refused, as a problem; the request never got as far as a route. */
function problemFor(error: NodeJS.ErrnoException): HttpProblem {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return new HttpProblem(
        431,
        STATUS_CODES[431]!,
        'The request line and headers are larger than this server accepts (a very long URL or a large header); shorten them.',
      );
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new HttpProblem(408, STATUS_CODES[408]!, 'The request took too long to arrive.');
    default:
      return new HttpProblem(400, STATUS_CODES[400]!, 'The request is not valid HTTP/1.1.');
  }
}

/**
 * Fastify's `clientErrorHandler`: Node emits `clientError` for requests its parser refuses (a 100 KB URL, a 20 KB
 * header, malformed HTTP, a timeout) and would answer them with a bare status line. This answers them like every
 * other error, with an RFC 9457 problem, and then closes the connection (its state is unknown).
 */
export function clientErrorHandler(this: FastifyInstance, error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const refused = problemFor(error);
  this.log.debug({ err: error, status: refused.status }, 'client error');
  if (socket.writable) {
    const body = JSON.stringify(problemBody(refused));
    socket.write(
      `HTTP/1.1 ${refused.status} ${refused.title}\r\n` +
        'Content-Type: application/problem+json; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        'Connection: close\r\n\r\n' +
        body,
    );
  }
  socket.destroy(error);
}
