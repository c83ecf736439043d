import assert from 'node:assert/strict';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { startOtlpReceiver, waitFor, type OtlpReceiver, type ReceivedSpan } from '@voucher/platform/testing';
import { call, startStack, type Stack } from '../src/index.ts';

/**
 * One purchase, one trace: every process exports its spans (OTLP JSON) to a receiver in this test, and the spans of
 * a purchase whose code comes by the VPS's callback, and then by SMS, must form one connected trace across the five
 * services. Timings are shrunk: the VPS acknowledges at 300 ms and calls back at 1.2 s, before the 3 s deadline (so the
 * outcome is WEB), and with no page waiting the gateway hands it to SMS after 500 ms.
 */
const BASE_PORT = 18280;
const SERVER = 2;
const CLIENT = 3;
const PRODUCER = 4;
const CONSUMER = 5;

describe('one trace per purchase (OpenTelemetry, all five processes)', () => {
  let receiver: OtlpReceiver;
  let stack: Stack;
  const logLines: Array<{ process: string; line: string }> = [];

  before(async () => {
    receiver = await startOtlpReceiver();
    const port = (offset: number) => String(BASE_PORT + offset);
    stack = await startStack({
      GATEWAY_PORT: port(0),
      VPS_PORT: port(1),
      INTEGRATION_PORT: port(2),
      VOUCHER_PORT: port(3),
      SMS_PORT: port(4),
      VPS_URL: `http://127.0.0.1:${port(1)}`,
      INTEGRATION_PUBLIC_URL: `http://127.0.0.1:${port(2)}`,
      VOUCHER_SERVICE_URL: `http://127.0.0.1:${port(3)}`,
      SMS_URL: `http://127.0.0.1:${port(4)}`,
      AUTH_REQUIRED: 'false',
      VPS_ACK_AFTER_MS: '300',
      WEB_DEADLINE_MS: '3000',
      WEB_HANDOFF_MS: '500',
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '100',
    });
    for (const supervised of stack.processes) {
      createInterface({ input: supervised.child.stdout! }).on('line', (line) => logLines.push({ process: supervised.name, line }));
    }
  });
  after(async () => {
    await stack?.stop();
    await receiver?.close();
  });

  test('POST /voucher, request-code, the VPS call, its callback, receive-code, the store and the SMS share one trace', async () => {
    await call('PUT', `${stack.urls.vps}/admin/traffic`, { latencyMs: 1_200 });
    const answer = await call('POST', `${stack.urls.gateway}/voucher?phoneNumber=0909${String(Date.now()).slice(-6)}`);
    assert.equal(answer.status, 202, answer.text);
    const requestId = answer.body.requestId as string;

    // The trace is the one whose request-code publish names the request.
    const traceId = await waitFor(
      () => receiver.spans.find((s) => s.name.startsWith('send ') && s.attributes['voucher.request_id'] === requestId)?.traceId,
      'the request-code publish span',
      30_000,
    );
    const spans = () => receiver.spans.filter((s) => s.traceId === traceId);
    // Each process exports its spans in the order they end, on its own schedule: the trace is complete once the span
    // that ends last in each process is in (the callback call in the VPS simulator; the callback's answer and the
    // receive-code publish in the integration service; the store in voucher-service; the SMS delivery in the gateway;
    // the SMS gateway's request).
    const lastToEnd: Array<[string, (s: ReceivedSpan) => boolean]> = [
      ['vps', (s) => s.kind === CLIENT && s.attributes['http.request.method'] !== undefined],
      ['voucher-integration-service', (s) => s.kind === SERVER && s.name.startsWith('POST ')],
      [
        'voucher-integration-service',
        (s) => s.kind === PRODUCER && String(s.attributes['messaging.destination.name']).endsWith('receive-code'),
      ],
      ['voucher-service', (s) => s.kind === CONSUMER],
      ['gateway', (s) => s.name === 'deliver by SMS'],
      ['sms', (s) => s.kind === SERVER],
    ];
    await waitFor(
      () => (lastToEnd.every(([service, is]) => spans().some((s) => s.service === service && is(s))) ? true : undefined),
      'the span that ends last in each process of the trace',
      30_000,
    );

    const byId = new Map(spans().map((s) => [s.spanId, s]));
    const parentOf = (span: ReceivedSpan) => (span.parentSpanId ? byId.get(span.parentSpanId) : undefined);
    const ancestors = (span: ReceivedSpan) => {
      const chain: ReceivedSpan[] = [];
      for (let at = parentOf(span); at; at = parentOf(at)) chain.push(at);
      return chain;
    };
    const one = (service: string, what: (s: ReceivedSpan) => boolean, description: string) => {
      const found = spans().filter((s) => s.service === service && what(s));
      assert.equal(
        found.length,
        1,
        `one ${description} span in ${service}, got ${JSON.stringify(spans().map((s) => [s.service, s.name]))}`,
      );
      return found[0]!;
    };
    const named = (name: string, kind?: number) => (s: ReceivedSpan) => s.name === name && (kind === undefined || s.kind === kind);
    const isChildOf = (child: ReceivedSpan, parent: ReceivedSpan, what: string) =>
      assert.equal(
        child.parentSpanId,
        parent.spanId,
        `${what}: ${child.service} "${child.name}" is a child of ${parent.service} "${parent.name}"`,
      );
    const descendsFrom = (span: ReceivedSpan, ancestor: ReceivedSpan, what: string) =>
      assert.ok(
        ancestors(span).includes(ancestor),
        `${what}: ${span.service} "${span.name}" descends from ${ancestor.service} "${ancestor.name}"`,
      );
    /** An HTTP client call (undici); pg's spans are client spans too. */
    const httpCall = (s: ReceivedSpan) => s.kind === CLIENT && s.attributes['http.request.method'] !== undefined;
    const topic = (name: string) => (s: ReceivedSpan) => String(s.attributes['messaging.destination.name']).endsWith(name);

    assert.deepEqual(
      [...new Set(spans().map((s) => s.service))].sort(),
      ['gateway', 'sms', 'voucher-integration-service', 'voucher-service', 'vps'],
      'every process has spans in the trace',
    );

    // Step 0-1: the customer's POST /voucher at the gateway, whose handling publishes request-code.
    const post = one('gateway', (s) => s.kind === SERVER && s.parentSpanId === undefined, 'root server');
    assert.equal(post.attributes['http.request.method'], 'POST');
    assert.ok(!JSON.stringify(post.attributes).includes('0909'), 'the phone number in the query string is not exported');
    const sendRequest = one('gateway', (s) => s.kind === PRODUCER && topic('request-code')(s), 'send request-code');
    descendsFrom(sendRequest, post, 'request-code is published while POST /voucher is handled');

    // Step 2-3: the integration service consumes it and calls the VPS (undici client span, the VPS's server span).
    const consumeRequest = one(
      'voucher-integration-service',
      (s) => s.kind === CONSUMER && topic('request-code')(s),
      'process request-code',
    );
    isChildOf(consumeRequest, sendRequest, 'the consumer continues the producer');
    const vpsCall = one('voucher-integration-service', (s) => httpCall(s) && ancestors(s).includes(consumeRequest), 'VPS call');
    const vpsServer = one('vps', (s) => s.kind === SERVER && s.parentSpanId === vpsCall.spanId, 'VPS request');

    // Step 4.2: the VPS calls back later, still in the trace; the integration service takes the callback...
    const callbackCall = one('vps', httpCall, 'callback call');
    descendsFrom(callbackCall, vpsServer, 'the simulator sends its callback as part of the request it acknowledged');
    const callbackServer = one(
      'voucher-integration-service',
      (s) => s.kind === SERVER && s.parentSpanId === callbackCall.spanId,
      'callback',
    );
    // ...and redeems it as a child of the request-code handling that stored the challenge, linked to the callback's span.
    const redeem = one('voucher-integration-service', named('redeem VPS callback'), 'redeem');
    isChildOf(redeem, consumeRequest, 'the callback joins the trace through the stored challenge');
    const linked = redeem.links.map((link) => byId.get(link.spanId));
    assert.ok(
      linked.some((span) => span && (span === callbackServer || ancestors(span).includes(callbackServer))),
      'the redeem span links the callback request that woke it',
    );

    // Step 5-6: receive-code, published by the outbox relay as part of the redeem, consumed by voucher-service and the gateway.
    const sendOutcome = one('voucher-integration-service', (s) => s.kind === PRODUCER && topic('receive-code')(s), 'send receive-code');
    isChildOf(sendOutcome, redeem, 'the receive-code publish continues the redeem');
    const store = one('voucher-service', (s) => s.kind === CONSUMER && topic('receive-code')(s), 'process receive-code');
    isChildOf(store, sendOutcome, 'voucher-service continues the publish');
    const insert = spans().find((s) => s.service === 'voucher-service' && /INSERT/i.test(s.name) && ancestors(s).includes(store));
    assert.ok(
      insert,
      `a pg span of the voucher insert under the consume (pg is instrumented): ${JSON.stringify(spans().map((s) => s.name))}`,
    );
    const outcome = one('gateway', (s) => s.kind === CONSUMER && topic('receive-code')(s), 'process receive-code');
    isChildOf(outcome, sendOutcome, 'the gateway continues the publish');

    // Step 7: no page waited, so the delivery worker texts it: its span continues the outcome's handling.
    const deliver = one('gateway', named('deliver by SMS'), 'SMS delivery');
    isChildOf(deliver, outcome, 'the SMS delivery continues the receive-code handling stored with the outcome');
    const smsServer = one('sms', (s) => s.kind === SERVER, 'SMS gateway request');
    descendsFrom(smsServer, deliver, 'the SMS gateway call is part of the delivery');

    // Every log line about this request in the bank's services carries its requestId and this trace.
    const lines = logLines
      .filter(({ process }) => ['gateway', 'voucher-integration-service', 'voucher-service'].includes(process))
      .map(({ process, line }) => ({ process, entry: JSON.parse(line) as Record<string, unknown> }))
      .filter(({ entry }) => entry.requestId === requestId);
    assert.ok(lines.length >= 3, `log lines about the request: ${JSON.stringify(lines)}`);
    for (const { process, entry } of lines) assert.equal(entry.trace_id, traceId, `${process}: ${JSON.stringify(entry)}`);
  });
});
