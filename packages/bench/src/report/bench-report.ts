import type { IntakeResult } from '../scenarios/intake.ts';
import type { PipelineResult } from '../scenarios/pipeline.ts';
import type { QueryResult } from '../scenarios/query.ts';
import type { SlowProviderResult } from '../scenarios/slow-provider.ts';
import type { SseResult } from '../scenarios/sse.ts';
import type { BenchSettings } from '../settings.ts';

export interface ScenarioResults {
  intake: IntakeResult;
  pipeline: PipelineResult;
  slowProvider: SlowProviderResult;
  query: QueryResult;
  sse: SseResult;
}

export type ScenarioId = keyof ScenarioResults;

/** What `--out FILE` holds: the figures, plus what is needed to reproduce and judge them. */
export interface BenchReport {
  generatedAt: string;
  command: string;
  machine: { cpus: number; cpuModel: string; memoryGB: number; platform: string; fdLimit: string };
  versions: { node: string; kafka: string; database: string };
  settings: BenchSettings;
  scenarios: Partial<ScenarioResults>;
  /** Scenarios that could not run, with the reason. */
  failures: Partial<Record<ScenarioId, string>>;
  durationSec: number;
}
