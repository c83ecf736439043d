import { AsyncLocalStorage } from 'node:async_hooks';
import { trace } from '@opentelemetry/api';

/**
 * The customer request a piece of work belongs to, for log lines (the logger's mixin reads it) and spans. It is an
 * AsyncLocalStorage of its own rather than an OpenTelemetry context value, so it works with tracing off as well.
 */
const scope = new AsyncLocalStorage<string>();

/** The requestId of the work in progress, if it belongs to one. */
export function currentRequestId(): string | undefined {
  return scope.getStore();
}

/** Runs `work` as part of request `requestId` (no-op wrapper when there is none); the active span is tagged with it. */
export function withRequestId<T>(requestId: string | undefined, work: () => T): T {
  if (!requestId) return work();
  trace.getActiveSpan()?.setAttribute('voucher.request_id', requestId);
  return scope.run(requestId, work);
}
