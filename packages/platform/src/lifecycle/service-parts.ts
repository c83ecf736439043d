import type { AddressInfo } from 'node:net';
import type { Logger } from '../logging/index.ts';
import type { Stoppable } from './service-runner.ts';

/** What a service's start function hands each part it has started, so that the part is stopped again. */
export interface StartedParts {
  /** `part` is running: close it on close(), or when a later step of start-up fails. Returns `part`. */
  add<T extends Stoppable>(part: T): T;
  /** The same for something whose stopping is not a close() method (a listener to drop, streams to end). */
  onClose(stop: () => Promise<unknown> | unknown): void;
}

/**
 * The one way a service starts its parts: `start` starts them in order and hands each to `parts` as it comes up.
 * If a later step fails, what had started is closed (in reverse) before the error goes on, so runUntilSignalled can
 * try again from a clean slate; the returned close() stops every part in reverse order of starting (the HTTP server,
 * added last, stops taking requests first; the database, added first, closes last). A part that fails to close is
 * logged and the others still close.
 */
export async function startParts<T extends object>(logger: Logger, start: (parts: StartedParts) => Promise<T>): Promise<T & Stoppable> {
  const stops: Array<() => Promise<unknown> | unknown> = [];
  const closeAll = async () => {
    for (const stop of stops.splice(0).reverse()) {
      try {
        await stop();
      } catch (error) {
        logger.error({ err: error }, 'error while closing');
      }
    }
  };
  const parts: StartedParts = {
    add(part) {
      stops.push(() => part.close());
      return part;
    },
    onClose(stop) {
      stops.push(stop);
    },
  };
  try {
    return Object.assign(await start(parts), { close: closeAll });
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/** A listening server's first address, as `addresses()` of Fastify (and so HttpServer) gives it. */
interface Listening {
  addresses(): Array<AddressInfo | string>;
}

/**
 * Where a listening server is reached: its bound port (the real one when it was asked for port 0) and a base URL. A
 * wildcard host is reached through loopback; an IPv6 literal is bracketed, as a URL needs.
 */
export function boundAddress(server: Listening, host: string): { url: string; port: number } {
  const [address] = server.addresses();
  if (!address || typeof address === 'string') throw new Error('the HTTP server is not listening on a TCP port');
  return { url: `http://${urlHost(host)}:${address.port}`, port: address.port };
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
