import { loadConfig, setting } from '../config/env.ts';

const OTLP_PROTOCOLS = ['http/protobuf', 'http/json', 'grpc'] as const;
const optionalUrl = (raw: string | undefined) => (raw?.trim() ? setting.url()(raw) : undefined);
const optionalProtocol = (raw: string | undefined) => (raw?.trim() ? setting.oneOf(OTLP_PROTOCOLS)(raw.trim()) : undefined);

/**
 * The standard OpenTelemetry variables this platform acts on, checked at start-up like every other setting. The SDK
 * reads them itself (and the rest of OTEL_*, e.g. OTEL_BSP_*, OTEL_TRACES_SAMPLER, OTEL_RESOURCE_ATTRIBUTES); they are
 * read here to decide whether the SDK loads at all, and so that a typo stops the process instead of dropping traces.
 */
const telemetrySettings = {
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalUrl,
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: optionalUrl,
  OTEL_EXPORTER_OTLP_PROTOCOL: optionalProtocol,
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: optionalProtocol,
  OTEL_BSP_SCHEDULE_DELAY: (raw: string | undefined) => (raw?.trim() ? setting.integer(undefined)(raw) : undefined),
  OTEL_SERVICE_NAME: setting.optionalString(),
  OTEL_SDK_DISABLED: setting.boolean(false),
};

export interface TelemetryOptions {
  /** An OTLP endpoint is set and the SDK is not disabled: spans are exported. */
  enabled: boolean;
  /** `service.name` of every span: OTEL_SERVICE_NAME, else the service's folder name. */
  serviceName: string;
}

/** Tracing is on only when an OTLP endpoint is configured; otherwise the SDK is not even loaded. */
export function telemetryOptions(folderName: string, env: NodeJS.ProcessEnv = process.env): TelemetryOptions {
  const values = loadConfig(telemetrySettings, env);
  const endpoint = values.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? values.OTEL_EXPORTER_OTLP_ENDPOINT;
  return { enabled: endpoint !== undefined && !values.OTEL_SDK_DISABLED, serviceName: values.OTEL_SERVICE_NAME ?? folderName };
}
