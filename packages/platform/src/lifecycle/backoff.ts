/**
 * Delay before retry number `attempt` (1-based): exponential from `baseMs`, capped at `maxMs`, with "equal jitter"
 * (half fixed, half random) so that thousands of requests failing together do not retry in lockstep.
 */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}
