import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type Link,
  type Span,
  type SpanOptions,
} from '@opentelemetry/api';
import { currentRequestId, withRequestId } from './request-scope.ts';

/**
 * What carries a step's trace and request across a hop that no instrumentation sees: a Kafka record's headers, or a
 * row stored for later work (the integration service's challenge and outbox, the gateway's pending delivery). W3C
 * `traceparent` and `tracestate`, and the `request-id`. Empty when tracing is off and the work has no request.
 */
export type TraceContext = Record<string, string>;

export const REQUEST_ID_HEADER = 'request-id';
const TRACE_HEADERS = ['traceparent', 'tracestate'];

/** The trace context of `ctx` (the active one by default) and the current requestId, to carry along. */
export function currentTraceContext(ctx: Context = context.active(), requestId = currentRequestId()): TraceContext {
  const carrier: TraceContext = {};
  propagation.inject(ctx, carrier);
  if (requestId) carrier[REQUEST_ID_HEADER] = requestId;
  return carrier;
}

/** The context a carried trace context continues (the root context when it carries none). */
export function contextOf(carried: TraceContext | null | undefined): Context {
  return carried?.traceparent ? propagation.extract(ROOT_CONTEXT, carried) : ROOT_CONTEXT;
}

/** Whether `carried` holds a trace to continue. */
export const carriesTrace = (carried: TraceContext | null | undefined): boolean => Boolean(carried?.traceparent);

/** `headers` without the entries this module writes (a record re-published keeps its other headers). */
export function withoutTraceContext(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !TRACE_HEADERS.includes(name) && name !== REQUEST_ID_HEADER));
}

const tracer = () => trace.getTracer('@voucher/platform');

export interface StepOptions extends SpanOptions {
  /** The context the span is a child of; the active one by default. */
  parent?: Context;
}

/**
 * Runs `work` in a span of its own, the active span while it runs; the span ends when `work` settles and records a
 * failure. With tracing off the span is a no-op and this costs a function call.
 */
export async function inSpan<T>(name: string, options: StepOptions, work: (span: Span) => Promise<T>): Promise<T> {
  const parent = options.parent ?? context.active();
  const span = tracer().startSpan(name, options, parent);
  try {
    return await context.with(trace.setSpan(parent, span), () => work(span));
  } catch (error) {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
    throw error;
  } finally {
    span.end();
  }
}

/**
 * Continues a stored trace: `work` runs in a span that is a child of `carried` (the request's trace) and links the
 * span active now (e.g. the incoming call that woke the work up, which a third party may have sent in a trace of its
 * own). Without a stored trace the span starts a new trace, still linked.
 */
export function continueTrace<T>(
  name: string,
  carried: TraceContext | null | undefined,
  work: (span: Span) => Promise<T>,
  options: SpanOptions = {},
): Promise<T> {
  const now = trace.getActiveSpan()?.spanContext();
  const links: Link[] = now ? [{ context: now, attributes: { 'voucher.link': 'woken by' } }] : [];
  return inSpan(
    name,
    { kind: SpanKind.INTERNAL, ...options, links: [...links, ...(options.links ?? [])], parent: contextOf(carried) },
    work,
  );
}

/**
 * Runs `work` in a carried trace context and its request's scope, without a span of its own: e.g. a log line about
 * one request of a batch, which then names that request and trace.
 */
export function inCarriedContext<T>(carried: TraceContext | null | undefined, work: () => T): T {
  return withRequestId(carried?.[REQUEST_ID_HEADER], () => context.with(contextOf(carried), work));
}

/** `fn` bound to the context active now, so that work run later (a timer, a scheduler) stays in this trace. */
export function bindToCurrentContext<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
  return context.bind(context.active(), fn);
}
