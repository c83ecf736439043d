import { register as registerImportHooks } from 'import-in-the-middle/register-hooks.mjs';
import { FastifyOtelInstrumentation } from '@fastify/otel';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { NodeSDK } from '@opentelemetry/sdk-node';
import type { TelemetryOptions } from './options.ts';

/**
 * The ES modules the instrumentations patch as they load. pg is CommonJS, but the services import its ESM wrapper, which
 * only import-in-the-middle sees; pg-pool, fastify's node:http and undici are reached through require() or diagnostics
 * channels. Hooking only these keeps the loader out of every other import.
 */
const PATCHED_ESM_MODULES = ['pg'];

/** Operations endpoints polled by probes and Prometheus: a span each would bury the requests. */
const UNTRACED_PATHS = /^\/(healthz|readyz|metrics)(\?|$)/;

/** Query parameters never exported: phone numbers (the seed's `?phoneNumber=`), and the usual signed-URL secrets. */
const REDACTED_QUERY_PARAMS = [
  'phoneNumber',
  'sig',
  'Signature',
  'AWSAccessKeyId',
  'X-Goog-Signature',
  'X-Amz-Signature',
  'X-Amz-Credential',
  'X-Amz-Security-Token',
];

/** `url` with the values of REDACTED_QUERY_PARAMS replaced (undici's instrumentation records URLs as they are). */
function redactUrl(url: URL): URL {
  const redacted = new URL(url);
  for (const name of REDACTED_QUERY_PARAMS) if (redacted.searchParams.has(name)) redacted.searchParams.set(name, 'REDACTED');
  return redacted;
}

/**
 * Starts the OpenTelemetry SDK: OTLP trace export configured by the standard OTEL_* variables (endpoint, protocol,
 * OTEL_BSP_* batching, sampler, resource attributes), W3C trace context, and the HTTP server and client, Fastify,
 * undici and pg instrumentations. Traces only: metrics stay with Prometheus and logs with pino on standard output.
 * Must run before the service's own modules are imported (see index.ts). Returns the flush-and-stop function.
 */
export function startTracing(options: TelemetryOptions): () => Promise<void> {
  registerImportHooks({ include: PATCHED_ESM_MODULES });
  const sdk = new NodeSDK({
    serviceName: options.serviceName,
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request) => UNTRACED_PATHS.test(request.url ?? ''),
        redactedQueryParams: REDACTED_QUERY_PARAMS,
        redactedQueryParamsServer: REDACTED_QUERY_PARAMS,
      }),
      new FastifyOtelInstrumentation({ registerOnInitialization: true, instrumentHooks: false }),
      new UndiciInstrumentation({
        requestHook: (span, request) => {
          if (!request.path.includes('?')) return;
          const url = redactUrl(new URL(request.path, request.origin));
          span.setAttributes({ 'url.full': url.toString(), 'url.query': url.search });
        },
      }),
      // Queries of background work (sweepers, relays) would each start a trace of their own: only those of a traced step.
      // A prepared statement's span would be named after the statement (s_<hash>): it is named by its SQL command, as
      // an unprepared query's is, so a trace reads the same either way (the statement's name stays in db.postgresql.plan).
      new PgInstrumentation({
        requireParentSpan: true,
        requestHook: (span, { query, connection }) => {
          if (query.name) span.updateName(`pg.query:${sqlCommand(query.text)}${connection.database ? ` ${connection.database}` : ''}`);
        },
      }),
    ],
  });
  sdk.start();
  return () => sdk.shutdown();
}

/** A query's SQL command (its first word, upper case), as the pg instrumentation names an unprepared query's span. */
function sqlCommand(text: string): string {
  return (text.trim().split(/\s/, 1)[0] ?? '').replace(/;$/, '').toUpperCase();
}
