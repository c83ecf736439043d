import type { BenchSettings } from '../settings.ts';

export type Log = (line: string) => void;

/** Latency percentiles a scenario contributes to the chart, by series label. */
export type ScenarioLatencies = Record<string, { p50Ms: number; p90Ms: number; p99Ms: number }>;

export type Scenario<R> = (settings: BenchSettings, log: Log) => Promise<R>;
