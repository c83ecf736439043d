import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { trace, type ProxyTracerProvider } from '@opentelemetry/api';
import { ConfigError } from '../src/config/index.ts';
import { createLogger } from '../src/logging/index.ts';
import { currentTraceContext, startTelemetry, telemetryOptions, withRequestId } from '../src/telemetry/index.ts';

/** Without an OTLP endpoint nothing is traced and the SDK is not loaded, but log lines still name their request. */
describe('telemetry switched off (no OTLP endpoint)', () => {
  test('startTelemetry does not start the SDK: no tracer provider is registered, nothing is injected', async () => {
    delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
    delete process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
    const telemetry = await startTelemetry('gateway');
    assert.equal(telemetry.enabled, false);
    const provider = trace.getTracerProvider() as ProxyTracerProvider;
    assert.equal(provider.getDelegate().constructor.name, 'NoopTracerProvider');
    assert.deepEqual(
      withRequestId('req-1', () => currentTraceContext()),
      { 'request-id': 'req-1' },
      'only the requestId travels',
    );
    await telemetry.close();
  });

  test('a log line written in a request scope carries its requestId, and no trace fields', () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = createLogger('off-test', 'info', {
      format: 'json',
      destination: { write: (line: string) => lines.push(JSON.parse(line)) },
    });
    withRequestId('req-7', () => logger.info('inside'));
    logger.info('outside');
    assert.equal(lines[0]!.requestId, 'req-7');
    assert.equal(lines[0]!.trace_id, undefined);
    assert.equal(lines[1]!.requestId, undefined);
  });

  test('tracing is on with either endpoint variable, the service name is the folder unless OTEL_SERVICE_NAME is set', () => {
    assert.deepEqual(telemetryOptions('vps', {}), { enabled: false, serviceName: 'vps' });
    assert.equal(telemetryOptions('vps', { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' }).enabled, true);
    assert.equal(
      telemetryOptions('vps', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' }).enabled,
      false,
    );
    assert.equal(telemetryOptions('vps', { OTEL_SERVICE_NAME: 'vps-eu' }).serviceName, 'vps-eu');
  });

  test('a bad OTEL_* value stops start-up with its name', () => {
    assert.throws(
      () => telemetryOptions('sms', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/xml' }),
      (error: unknown) => error instanceof ConfigError && /OTEL_EXPORTER_OTLP_PROTOCOL must be one of/.test(error.message),
    );
    assert.throws(() => telemetryOptions('sms', { OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url' }), /OTEL_EXPORTER_OTLP_ENDPOINT must be a URL/);
  });
});
