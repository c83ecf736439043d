/** A source of uniform numbers in [0, 1). */
export type Random = () => number;

/**
 * Profile and fault draws; a seed makes a run repeatable (mulberry32, good enough for simulation, never for secrets:
 * voucher codes and verifiers always come from the crypto generator).
 */
export function createRandom(seed?: number): Random {
  if (seed === undefined) return Math.random;
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A whole number from `min` to `max`, both included. */
export function uniformInteger(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}
