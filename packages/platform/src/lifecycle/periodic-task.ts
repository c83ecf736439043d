import type { Logger } from '../logging/index.ts';

/** Where a periodic task sets its timer: Node's timers, or a test's clock that the test moves itself (testClock). */
export interface TaskTimers {
  setTimeout(run: () => void, delayMs: number): unknown;
  clearTimeout(timer: unknown): void;
}

const nodeTimers: TaskTimers = {
  setTimeout: (run, delayMs) => setTimeout(run, delayMs),
  clearTimeout: (timer) => clearTimeout(timer as NodeJS.Timeout | undefined),
};

export interface PeriodicTaskOptions {
  /** When the first run starts; `intervalMs` by default. */
  firstRunMs?: number;
  /** Asked after each run: an earlier time for the next one than `intervalMs` (a retry due sooner, say). */
  nextRunMs?: () => number | undefined;
  /** close() runs the task one last time, after the current run (what was committed while draining goes out). */
  runOnClose?: boolean;
  /** Node's timers by default; tests pass a testClock, so that a run comes when the test moves the clock. */
  timers?: TaskTimers;
}

/**
 * The settings of a worker built on a periodic task that leases due rows in batches (SKIP LOCKED, so every replica
 * works at once) and retries what failed with backoffDelay: the delivery worker, the outbox relay.
 */
export interface LeasingWorkerSettings {
  /** How often due work is looked for when nobody pokes the worker. */
  pollMs: number;
  /** Rows leased per pass, and so handled at once. */
  batchSize: number;
  /** How long leased rows are left to their worker before another may take them: longer than one attempt can take. */
  leaseMs: number;
  /** A failed attempt's backoff, from retryBaseMs doubling up to retryMaxMs (backoffDelay). */
  retryBaseMs: number;
  retryMaxMs: number;
}

export interface PeriodicTask {
  /** Run now (or right after the current run): there is work. */
  poke(): void;
  /** Stops scheduling and waits for the current run (and the last one, with runOnClose). */
  close(): Promise<void>;
}

/**
 * Runs `task` every `intervalMs`, never overlapping itself; a run that reports more work waiting (true), or a poke,
 * brings the next one forward, and a failed run is logged and tried again at the next interval. The one scheduling
 * idiom of the services' background work (sweeps, the delivery worker, the outbox relay).
 */
export function startPeriodicTask(
  name: string,
  intervalMs: number,
  task: () => Promise<boolean>,
  logger: Logger,
  options: PeriodicTaskOptions = {},
): PeriodicTask {
  const timers = options.timers ?? nodeTimers;
  let timer: unknown;
  let running: Promise<void> | undefined;
  let again = false;
  let closed = false;

  const runUntilDone = async () => {
    do {
      again = false;
      try {
        again = (await task()) || again;
      } catch (error) {
        logger.warn({ err: error, task: name }, 'periodic task failed; trying again at the next run');
      }
    } while (again && !closed);
  };
  const schedule = (delayMs: number) => {
    if (closed) return;
    timers.clearTimeout(timer);
    timer = timers.setTimeout(() => {
      running = runUntilDone().finally(() => {
        running = undefined;
        schedule(Math.min(intervalMs, options.nextRunMs?.() ?? intervalMs));
      });
    }, delayMs);
  };

  schedule(options.firstRunMs ?? intervalMs);
  return {
    poke() {
      if (running) again = true;
      else schedule(0);
    },
    async close() {
      closed = true;
      timers.clearTimeout(timer);
      await running;
      if (options.runOnClose) await runUntilDone();
    },
  };
}
