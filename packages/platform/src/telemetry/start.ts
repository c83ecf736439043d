import type { Stoppable } from '../lifecycle/service-runner.ts';
import { telemetryOptions } from './options.ts';

export interface Telemetry extends Stoppable {
  /** Spans are exported (an OTLP endpoint is set). */
  readonly enabled: boolean;
}

/**
 * Starts tracing for the process whose folder is `folderName` (its `service.name`) when an OTLP endpoint is set. Call
 * it first in main.ts and import the service's own modules after it (dynamically): the instrumentations patch pg,
 * node:http and Fastify as they load. Without an endpoint the SDK is not loaded at all and close() does nothing. A bad
 * OTEL_* value throws a ConfigError. close() flushes the spans still batched: the service runner closes it last.
 */
export async function startTelemetry(folderName: string): Promise<Telemetry> {
  const options = telemetryOptions(folderName);
  if (!options.enabled) return { enabled: false, close: async () => {} };
  const { startTracing } = await import('./setup.ts');
  return { enabled: true, close: startTracing(options) };
}
