/** A source of uniform numbers in [0, 1). */
export type Random = () => number;

/**
 * A small seeded generator (mulberry32): the same seed draws the same sequence, so a simulation or a chaos run can be
 * repeated. Good enough for simulation, never for secrets: codes, verifiers and tokens come from node:crypto.
 */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A whole number from `min` to `max`, both included. */
export function uniformInteger(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}
