import { trace } from '@opentelemetry/api';
import { pino, type DestinationStream, type Logger } from 'pino';
import { prettyFactory } from 'pino-pretty';
import { logSettings, type LogFormat } from '../config/common.ts';
import { serializeError } from './error-serializer.ts';
import { censor, redactPaths } from './redaction.ts';
import { currentRequestId } from '../telemetry/request-scope.ts';

export type { Logger };

export interface LoggerOptions {
  /** `json` (one object a line, for machines) or `pretty` (for people); LOG_FORMAT by default. */
  format?: LogFormat;
  /** Where lines go; standard output by default. */
  destination?: DestinationStream;
}

/**
 * Lines for a person reading a terminal: local time, level name, service, message, then the other fields on the same
 * line, coloured unless NO_COLOR is set (https://no-color.org). LOG_FORMAT=pretty is an explicit request for this, so
 * colour does not depend on standard output being a terminal: under `npm start` it is a pipe to the launcher.
 * pino redacts before it serialises, so these lines are masked exactly like the JSON ones. Formatting is synchronous,
 * so the last line before process.exit (a fatal start-up error) is not lost.
 */
function prettyStream(destination: DestinationStream): DestinationStream {
  const prettify = prettyFactory({
    colorize: !process.env.NO_COLOR,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname',
    singleLine: true,
  });
  return { write: (line: string) => destination.write(prettify(line)) };
}

/**
 * The request and the trace a line was written in, so that one customer's request can be followed across the
 * services' logs (and from a log line to its trace): `requestId` from the request scope the handlers set, `trace_id`
 * and `span_id` from the active span when tracing is on. A field the call itself gives wins.
 */
function requestFields(): Record<string, string> {
  const fields: Record<string, string> = {};
  const requestId = currentRequestId();
  if (requestId) fields.requestId = requestId;
  const span = trace.getActiveSpan()?.spanContext();
  if (span && trace.isSpanContextValid(span)) {
    fields.trace_id = span.traceId;
    fields.span_id = span.spanId;
  }
  return fields;
}

/**
 * One logger per process; secrets and phone numbers are masked wherever they appear in a log object. JSON lines by
 * default, human ones with LOG_FORMAT=pretty (the default when standard output is a terminal).
 */
export function createLogger(service: string, level = process.env.LOG_LEVEL ?? 'info', options: LoggerOptions = {}): Logger {
  const format = options.format ?? logSettings.LOG_FORMAT(process.env.LOG_FORMAT);
  const destination = options.destination ?? pino.destination({ dest: 1, sync: true });
  return pino(
    {
      name: service,
      level,
      redact: { paths: redactPaths, censor },
      // Request URLs carry phone numbers in query strings; the HTTP layer logs a masked form instead. Errors lose the
      // values of a failed statement (PostgreSQL's `detail`: `Key (voucher_code)=(…)`), which field names cannot catch.
      serializers: { err: serializeError, error: serializeError },
      mixin: requestFields,
    },
    format === 'pretty' ? prettyStream(destination) : destination,
  );
}
