import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError } from '../config/index.ts';
import type { Logger } from '../logging/index.ts';
import { backoffDelay } from './backoff.ts';

export interface Stoppable {
  close(): Promise<void>;
}

/** Failures that waiting cannot fix: a bad setting, a port that is taken, or an error that says so itself. */
const fatalCodes = new Set(['EADDRINUSE', 'EACCES', 'EADDRNOTAVAIL']);
function isFatal(error: unknown): boolean {
  if (error instanceof ConfigError) return true;
  const { code, retryable } = (error ?? {}) as { code?: unknown; retryable?: unknown };
  return retryable === false || (typeof code === 'string' && fatalCodes.has(code));
}

/**
 * The one start-up and shut-down policy of every process. Start-up that fails because something it needs is not there
 * yet (the broker or the database is down or restarting) is tried again with backoff for as long as it takes, so a
 * process restarted during an outage comes up by itself when the outage ends; a failure waiting cannot fix (a bad
 * setting, a taken port) exits at once. `start` closes whatever it had started before it throws. Once started, the
 * parts stop in reverse order on SIGINT/SIGTERM: the HTTP server stops taking requests, consumers drain and commit,
 * producers flush, the database closes. A second signal exits at once.
 */
export async function runUntilSignalled(logger: Logger, start: () => Promise<Stoppable[]>): Promise<void> {
  let parts: Stoppable[] | undefined;
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping || !parts) process.exit(parts ? 1 : 0); // a second signal, or nothing started yet
    stopping = true;
    logger.info({ signal }, 'shutting down');
    for (const part of [...parts].reverse()) {
      await part.close().catch((error) => logger.error({ err: error }, 'error during shutdown'));
    }
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  for (let attempt = 1; !parts; attempt++) {
    try {
      parts = await start();
    } catch (error) {
      if (isFatal(error)) {
        logger.fatal({ err: error }, 'start-up failed');
        process.exit(1);
      }
      const delayMs = backoffDelay(attempt, 500, 10_000);
      logger.warn({ err: error, attempt, delayMs }, 'start-up failed (is the broker or the database reachable?); trying again');
      await sleep(delayMs);
    }
  }
}
