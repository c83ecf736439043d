import { pino, type Logger } from 'pino';
import { censor, redactPaths } from './redaction.ts';

export type { Logger };

/** One JSON logger per process; secrets and phone numbers are masked wherever they appear in a log object. */
export function createLogger(service: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({
    name: service,
    level,
    redact: { paths: redactPaths, censor },
    // Request URLs carry phone numbers in query strings; the HTTP layer logs a masked form instead.
    serializers: { err: pino.stdSerializers.err },
  });
}
