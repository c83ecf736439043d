import type { Logger } from '../logging/index.ts';

/**
 * Runs `task` every `intervalMs`, never overlapping itself; a run that reports more work waiting (true) brings the
 * next one forward, and a failed run is logged and tried again at the next interval. close() waits for a running one.
 */
export function startPeriodicTask(
  name: string,
  intervalMs: number,
  task: () => Promise<boolean>,
  logger: Logger,
): { close(): Promise<void> } {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let closed = false;

  const schedule = (delayMs: number) => {
    if (!closed) timer = setTimeout(() => (running = run()), delayMs);
  };
  const run = async () => {
    let moreWaiting = false;
    try {
      moreWaiting = await task();
    } catch (error) {
      logger.warn({ err: error, task: name }, 'periodic task failed; trying again at the next run');
    }
    schedule(moreWaiting ? 0 : intervalMs);
  };

  schedule(intervalMs);
  return {
    async close() {
      closed = true;
      clearTimeout(timer);
      await running;
    },
  };
}
