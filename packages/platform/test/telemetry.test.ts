import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { trace } from '@opentelemetry/api';
import { createLogger } from '../src/logging/index.ts';
import { ensureTopics, KafkaProducer, runConsumer, type Decoded, type RunningConsumer } from '../src/kafka/index.ts';
import { inSpan, startTelemetry, withRequestId, type Telemetry } from '../src/telemetry/index.ts';
import { collectTopic, startOtlpReceiver, testConnection, uniqueNamespace, waitFor, type OtlpReceiver } from '../src/testing/index.ts';

/**
 * Tracing switched on in this process as a service's main.ts does it (OTLP JSON to a receiver of the test's own), and a
 * record sent through the platform's producer and consumed by its consumer runner on the real broker: the record
 * carries the W3C traceparent and the requestId, and the handler runs in a consumer span that is a child of the send.
 */
describe('trace context across Kafka (real broker, OTLP export)', () => {
  let receiver: OtlpReceiver;
  let telemetry: Telemetry;
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger('telemetry-test', 'info', {
    format: 'json',
    destination: { write: (line: string) => lines.push(JSON.parse(line)) },
  });
  const connection = testConnection('telemetry-test');
  let producer: KafkaProducer;
  let consumer: RunningConsumer | undefined;

  before(async () => {
    receiver = await startOtlpReceiver();
    Object.assign(process.env, {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '50',
      OTEL_SERVICE_NAME: 'telemetry-test',
    });
    telemetry = await startTelemetry('platform');
    producer = new KafkaProducer(connection);
  });
  after(async () => {
    await consumer?.close();
    await producer?.close();
    await telemetry?.close();
    await receiver?.close();
  });

  test('send and process spans are parent and child, the record carries traceparent and request-id, log lines name both', async () => {
    assert.equal(telemetry.enabled, true);
    const topic = `${uniqueNamespace()}traced`;
    await ensureTopics(connection, [topic], { partitions: 1, replicationFactor: 1 });
    const handled = Promise.withResolvers<{ traceId: string; spanId: string }>();
    consumer = await runConsumer<string>({
      connection,
      groupId: `${topic}-group`,
      topic,
      decode: (bytes): Decoded<string> => ({ ok: true, value: bytes.toString() }),
      handle: async () => {
        logger.info('handling the record');
        handled.resolve(trace.getActiveSpan()!.spanContext());
      },
      producer,
      logger,
    });
    const records = await collectTopic(topic);
    let outer!: { traceId: string; spanId: string };
    await withRequestId('req-42', () =>
      inSpan('outer step', {}, async (span) => {
        outer = span.spanContext();
        await producer.publish(topic, 'key', 'hello');
      }),
    );

    const inHandler = await handled.promise;
    assert.equal(inHandler.traceId, outer.traceId, 'the handler runs in the trace of the publish');
    const record = await waitFor(() => records.records[0], 'the record');
    await records.stop();
    assert.match(record.headers.traceparent!, new RegExp(`^00-${outer.traceId}-[0-9a-f]{16}-01$`));
    assert.equal(record.headers['request-id'], 'req-42');

    const spans = await waitFor(() => {
      const send = receiver.spans.find((s) => s.name === `send ${topic}`);
      const process = receiver.spans.find((s) => s.name === `process ${topic}`);
      return send && process ? { send, process } : undefined;
    }, 'the send and process spans');
    assert.equal(spans.send.kind, 4, 'PRODUCER');
    assert.equal(spans.send.parentSpanId, outer.spanId, 'the send is a child of the step that published');
    assert.equal(record.headers.traceparent!.split('-')[2], spans.send.spanId, 'the header names the send span');
    assert.equal(spans.process.kind, 5, 'CONSUMER');
    assert.equal(spans.process.parentSpanId, spans.send.spanId, 'the process span is a child of the send');
    assert.equal(spans.process.spanId, inHandler.spanId);
    assert.equal(spans.process.service, 'telemetry-test', 'OTEL_SERVICE_NAME overrides the folder name');
    assert.equal(spans.process.attributes['messaging.system'], 'kafka');
    assert.equal(spans.process.attributes['messaging.destination.name'], topic);
    assert.equal(spans.process.attributes['messaging.consumer.group.name'], `${topic}-group`);

    const line = lines.find((entry) => entry.msg === 'handling the record');
    assert.equal(line?.requestId, 'req-42');
    assert.equal(line?.trace_id, outer.traceId);
    assert.equal(line?.span_id, inHandler.spanId);
  });
});
