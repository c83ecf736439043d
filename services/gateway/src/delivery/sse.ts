import type { ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';

/** Takes the response over from Fastify and starts a Server-Sent Events stream on it. */
export function openEventStream(reply: FastifyReply): ServerResponse {
  reply.hijack();
  const stream = reply.raw;
  stream.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-store',
    connection: 'keep-alive',
    // Proxies such as nginx must pass events through at once rather than buffer them.
    'x-accel-buffering': 'no',
  });
  stream.write(': connected\n\n');
  return stream;
}

/** Writes a stream's final event and ends it, in one write to the socket (the event and the chunked terminator). */
export function endWithEvent(stream: ServerResponse, name: string, data: unknown): void {
  stream.end(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
}

export function writeComment(stream: ServerResponse, text: string): void {
  stream.write(`: ${text}\n\n`);
}

export const isOpen = (stream: ServerResponse): boolean => !stream.destroyed && !stream.writableEnded;
