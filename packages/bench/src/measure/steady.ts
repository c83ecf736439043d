/** One figure measured over several intervals: the median is the figure, min and max say how steady it was. */
export interface Steady {
  median: number;
  min: number;
  max: number;
  values: number[];
}

/** Median (the mean of the middle two for an even count), min and max of the runs' values. */
export function steady(values: readonly number[]): Steady {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  const median = sorted.length % 2 === 1 ? sorted[Math.floor(middle)]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  const round = (value: number) => Math.round(value * 100) / 100;
  return { median: round(median), min: round(sorted[0] ?? Number.NaN), max: round(sorted.at(-1) ?? Number.NaN), values: [...values] };
}

/** (max − min) ÷ median, as a percentage: how far apart the runs were. */
export function spreadPercent(figure: Steady): number {
  return figure.median === 0 ? 0 : Math.round(((figure.max - figure.min) / figure.median) * 1000) / 10;
}

/** Runs `measure` `times` times, one after the other (never overlapping: each run has the machine to itself). */
export async function repeat<T>(times: number, measure: (run: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (let run = 0; run < times; run++) results.push(await measure(run));
  return results;
}

/** The median of each latency percentile over the runs, for the chart. */
export function medianLatency<L extends { p50Ms: number; p90Ms: number; p99Ms: number }>(runs: readonly L[]) {
  const of = (key: 'p50Ms' | 'p90Ms' | 'p99Ms') => steady(runs.map((run) => run[key])).median;
  return { p50Ms: of('p50Ms'), p90Ms: of('p90Ms'), p99Ms: of('p99Ms') };
}
