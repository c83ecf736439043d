import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import {
  carriesTrace,
  contextOf,
  currentTraceContext,
  inSpan,
  REQUEST_ID_HEADER,
  withoutTraceContext,
  type TraceContext,
} from './propagation.ts';
import { currentRequestId, withRequestId } from './request-scope.ts';

/*
 * Kafka spans by the OpenTelemetry messaging conventions: `send <topic>` (PRODUCER) around a publish until the broker
 * acknowledged it, `process <topic>` (CONSUMER) around the handling of one record, a child of the producer's span
 * through the record's `traceparent` header. Record keys are phone numbers, so they are not recorded.
 */

const tracer = () => trace.getTracer('@voucher/platform');

export interface TracedSend {
  /** The record's headers with the send span's trace context (and the requestId) added. */
  headers: Record<string, string> | undefined;
  /** Ends the send span: the broker acknowledged the record, or `error` says why not. */
  end(error?: unknown): void;
}

/**
 * Starts the span of one record's publish. A record whose headers already carry a trace context (one stored with an
 * outbox row) continues that trace and that request; any other continues the active trace and request.
 */
export function startSend(topic: string, headers: Record<string, string> | undefined): TracedSend {
  const parent = carriesTrace(headers) ? contextOf(headers) : context.active();
  const requestId = headers?.[REQUEST_ID_HEADER] ?? currentRequestId();
  const span = tracer().startSpan(
    `send ${topic}`,
    {
      kind: SpanKind.PRODUCER,
      attributes: {
        'messaging.system': 'kafka',
        'messaging.operation.type': 'send',
        'messaging.operation.name': 'send',
        'messaging.destination.name': topic,
        ...(requestId ? { 'voucher.request_id': requestId } : {}),
      },
    },
    parent,
  );
  const carried = { ...withoutTraceContext(headers ?? {}), ...currentTraceContext(trace.setSpan(parent, span), requestId) };
  return {
    headers: Object.keys(carried).length > 0 ? carried : undefined,
    end(error?: unknown) {
      if (error !== undefined) {
        span.recordException(error instanceof Error ? error : String(error));
        span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      }
      span.end();
    },
  };
}

export interface ConsumedRecord {
  topic: string;
  groupId: string;
  partition: number;
  offset: bigint;
  headers: TraceContext;
}

/**
 * Runs the handling of one consumed record in a `process <topic>` span, a child of the producer's span, and in the
 * scope of the request the record names (its `request-id` header), so that every log line of the handling carries it.
 */
export function processRecord<T>(record: ConsumedRecord, work: () => Promise<T>): Promise<T> {
  const requestId = record.headers[REQUEST_ID_HEADER];
  const attributes = {
    'messaging.system': 'kafka',
    'messaging.operation.type': 'process',
    'messaging.operation.name': 'process',
    'messaging.destination.name': record.topic,
    'messaging.consumer.group.name': record.groupId,
    'messaging.destination.partition.id': String(record.partition),
    'messaging.kafka.offset': Number(record.offset),
  };
  return inSpan(`process ${record.topic}`, { kind: SpanKind.CONSUMER, attributes, parent: contextOf(record.headers) }, () =>
    withRequestId(requestId, work),
  );
}

/** A Kafka client's binary headers as text (only what is valid UTF-8 matters here: the trace context). */
export function textHeaders(headers: Map<Buffer, Buffer> | undefined): TraceContext {
  const text: TraceContext = {};
  for (const [name, value] of headers ?? []) text[name.toString()] = value.toString();
  return text;
}
