import { startTelemetry } from '../telemetry/start.ts';
import type { Logger } from '../logging/index.ts';
import type { Stoppable } from './service-runner.ts';

/** What a service's main.ts hands runService once its modules are loaded. */
export interface ServiceEntry<C extends { LOG_LEVEL?: string }> {
  /** Reads and checks the service's settings (a ConfigError names every bad value). */
  readConfig(): C;
  start(config: C, logger: Logger): Promise<Stoppable>;
}

/**
 * The whole of a service's main.ts: tracing first, then the service's modules (loaded by `load`, so they are imported
 * after the instrumentations are in place: docs/DECISIONS.md, "One trace per purchase"), then the one start-up and
 * shut-down policy (runUntilSignalled). Telemetry is the first part, so it closes last and flushes the last spans.
 * This module imports nothing but telemetry before `load` runs; keep it that way.
 */
export async function runService<C extends { LOG_LEVEL?: string }>(name: string, load: () => Promise<ServiceEntry<C>>): Promise<void> {
  const telemetry = await startTelemetry(name);
  const { runUntilSignalled } = await import('./service-runner.ts');
  const { createLogger } = await import('../logging/index.ts');
  const service = await load();
  const config = service.readConfig();
  const logger = createLogger(name, config.LOG_LEVEL);
  await runUntilSignalled(logger, async () => [telemetry, await service.start(config, logger)]);
}
