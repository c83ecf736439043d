import type { Steady } from '../measure/steady.ts';
import type { BenchSettings } from '../settings.ts';

export type Log = (line: string) => void;

/** Latency percentiles a scenario contributes to the chart, by series label. */
export type ScenarioLatencies = Record<string, { p50Ms: number; p90Ms: number; p99Ms: number }>;

/** Each figure measured over the repeated runs (median, min, max), by label, with its unit: how steady the run was. */
export type Steadiness = Record<string, Steady & { unit: string }>;

export type Scenario<R> = (settings: BenchSettings, log: Log) => Promise<R>;
