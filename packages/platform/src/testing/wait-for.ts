import { setTimeout as sleep } from 'node:timers/promises';

/** What a probe returns while the thing it waits for has not happened yet. */
type NotYet = undefined | null | false;

/**
 * Polls `probe` until it returns something other than undefined, null or false, and resolves with that; fails after
 * `timeoutMs`, naming `what`. The polls start 5 ms apart and slow to 50 ms, so a quick event is seen at once and a
 * long wait costs the machine little.
 */
export async function waitFor<T>(probe: () => T | NotYet | Promise<T | NotYet>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let pause = 5; ; pause = Math.min(50, pause * 2)) {
    const value = await probe();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(pause);
  }
}
