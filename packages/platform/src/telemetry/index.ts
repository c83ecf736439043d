export { telemetryOptions, type TelemetryOptions } from './options.ts';
export { startTelemetry, type Telemetry } from './start.ts';
export { currentRequestId, withRequestId } from './request-scope.ts';
export {
  bindToCurrentContext,
  continueTrace,
  contextOf,
  currentTraceContext,
  inCarriedContext,
  inSpan,
  REQUEST_ID_HEADER,
  type TraceContext,
} from './propagation.ts';
export { processRecord, startSend, textHeaders, type ConsumedRecord, type TracedSend } from './messaging.ts';
