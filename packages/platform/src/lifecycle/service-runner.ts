import type { Logger } from '../logging/index.ts';

export interface Stoppable {
  close(): Promise<void>;
}

/**
 * Starts a process's parts and stops them in reverse order on SIGINT/SIGTERM: the HTTP server stops taking
 * requests, consumers drain and commit, producers flush, the database closes. A second signal exits at once.
 */
export async function runUntilSignalled(logger: Logger, start: () => Promise<Stoppable[]>): Promise<void> {
  let parts: Stoppable[];
  try {
    parts = await start();
  } catch (error) {
    logger.fatal({ err: error }, 'start-up failed');
    process.exit(1);
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info({ signal }, 'shutting down');
    for (const part of [...parts].reverse()) {
      await part.close().catch((error) => logger.error({ err: error }, 'error during shutdown'));
    }
    logger.info('stopped');
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}
