import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { randomInt } from 'node:crypto';
import { after, afterEach, before, describe, test } from 'node:test';
import { parse } from 'yaml';
import { Topics } from '@voucher/contracts';
import { KafkaProducer } from '@voucher/platform/kafka';
import { metricValue, testConnection, waitFor } from '@voucher/platform/testing';
import { call, startStack, type Stack } from '../src/index.ts';

/**
 * The metrics an operator alerts on, over the real stack: each moves when its event happens (set up here, counted as a
 * difference), and the shipped alert rules and dashboard (deploy/) name only metrics that the services really export.
 */
const DEADLINE_MS = 3_000;
const deployFile = (path: string) => readFile(new URL(`../../../deploy/${path}`, import.meta.url), 'utf8');
const randomMobile = () => `090${String(randomInt(1_000_000, 9_999_999))}`;

/** PromQL's own words (functions, aggregations, operators) and the label names that follow `by`/`on`. */
const NOT_METRICS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'offset', 'bool']);

/** The metric names a PromQL expression reads. */
function metricsIn(expr: string): string[] {
  const bare = expr
    .replace(/"[^"]*"/g, '') // label values
    .replace(/\{[^}]*\}/g, '') // label matchers
    .replace(/\[[^\]]*\]/g, '') // ranges
    .replace(/\b(by|without|on|ignoring)\s*\([^)]*\)/g, '') // grouping labels
    .replace(/\b[a-z_]+\s*\(/g, '('); // functions and aggregations
  return [...new Set(bare.match(/\b[a-zA-Z_:][a-zA-Z0-9_:]*\b/g) ?? [])].filter((name) => !NOT_METRICS.has(name));
}

describe('operator metrics and the deploy/ files', () => {
  let stack: Stack;
  const faults = (service: 'vps' | 'sms', body: object) => call('PUT', `${stack.urls[service]}/admin/faults`, body);
  const buy = async () => {
    const answer = await call('POST', `${stack.urls.gateway}/voucher?phoneNumber=${randomMobile()}`);
    assert.equal(answer.status, 202, answer.text);
    return answer.body.requestId as string;
  };
  const statusOf = async (requestId: string) => (await call('GET', `${stack.urls.gateway}/voucher/requests/${requestId}`)).body.status;
  const gateway = (name: string, labels?: RegExp) => metricValue(stack.adminUrls.gateway, name, labels);
  const integration = (name: string, labels?: RegExp) => metricValue(stack.adminUrls.integration, name, labels);
  const texted = (requestId: string) => waitFor(async () => (await statusOf(requestId)) === 'SENT_BY_SMS', `${requestId} texted`);

  before(async () => {
    stack = await startStack({
      AUTH_REQUIRED: 'false',
      VPS_ACK_AFTER_MS: '300',
      WEB_DEADLINE_MS: String(DEADLINE_MS),
      WEB_HANDOFF_MS: '300',
      VPS_TRAFFIC: 'low',
      VPS_LATENCY_MAX_MS: '100',
      VPS_MAX_ATTEMPTS: '2',
      VPS_RETRY_BASE_MS: '50',
      SMS_RETRY_BASE_MS: '50',
    });
  });
  after(async () => stack?.stop());
  afterEach(async () => {
    await call('PUT', `${stack.urls.vps}/admin/traffic`, { profile: 'low' });
    await faults('vps', { errorRate: 0, timeoutRate: 0, failNext: 0 });
    await faults('sms', { errorRate: 0, failNext: 0 });
  });

  test('every metric the alert rules and the dashboard name is exported by a running service', async () => {
    const rules = parse(await deployFile('prometheus/alerts.yml')) as { groups: Array<{ rules: Array<{ alert: string; expr: string }> }> };
    const dashboard = JSON.parse(await deployFile('grafana/dashboard.json')) as { panels: Array<{ targets: Array<{ expr: string }> }> };
    const expressions = [
      ...rules.groups.flatMap((group) => group.rules.map((rule) => rule.expr)),
      ...dashboard.panels.flatMap((panel) => panel.targets.map((target) => target.expr)),
    ];
    const named = new Set(expressions.flatMap(metricsIn));
    assert.ok(named.size >= 10, `expected the files to name the operator's metrics, found ${[...named].join(', ')}`);
    const pages = await Promise.all(Object.values(stack.adminUrls).map(async (url) => (await fetch(`${url}/metrics`)).text()));
    const types = new Map(
      pages.flatMap((page) => [...page.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((match) => [match[1]!, match[2]!] as const)),
    );
    const exported = (name: string) => {
      if (name === 'up' || types.has(name)) return true; // `up` is Prometheus's own, one per target
      const base = name.replace(/_(bucket|count|sum)$/, '');
      return types.get(base) === 'histogram';
    };
    assert.deepEqual(
      [...named].filter((name) => !exported(name)),
      [],
      'metrics the deploy files name that no service exports',
    );
    const scrape = parse(await deployFile('prometheus/prometheus.yml')) as { scrape_configs: Array<{ job_name: string }> };
    assert.deepEqual(scrape.scrape_configs.map((job) => job.job_name).sort(), [
      'gateway',
      'sms',
      'voucher-integration-service',
      'voucher-service',
      'vps',
    ]);
  });

  test('VPS latency (histogram) and calls by outcome move with each call; errors are counted as errors', async () => {
    const codes = await integration('vps_call_duration_seconds_count', /outcome="code"/);
    const errors = await integration('vps_calls_total', /outcome="error"/);
    const erroredTimings = await integration('vps_call_duration_seconds_count', /outcome="error"/);
    await texted(await buy());
    assert.equal(await integration('vps_call_duration_seconds_count', /outcome="code"/), codes + 1);
    await faults('vps', { failNext: 2 });
    const failed = await buy();
    await waitFor(async () => (await statusOf(failed)) === 'FAILED', 'the request to fail');
    assert.equal(await integration('vps_calls_total', /outcome="error"/), errors + 2, 'both attempts failed');
    assert.equal(await integration('vps_call_duration_seconds_count', /outcome="error"/), erroredTimings + 2);
  });

  test('gateway_sms_failures_total counts a send the SMS gateway refuses; the text then goes out on a retry', async () => {
    const before = await gateway('gateway_sms_failures_total');
    await faults('sms', { failNext: 1 });
    await texted(await buy());
    assert.equal(await gateway('gateway_sms_failures_total'), before + 1);
  });

  test('gateway_requests_overdue rises while an accepted request is past its deadline undelivered, and falls once it is', async () => {
    const before = await gateway('gateway_requests_overdue');
    await call('PUT', `${stack.urls.vps}/admin/traffic`, { latencyMs: DEADLINE_MS + 1_500 });
    const requestId = await buy();
    await waitFor(async () => (await gateway('gateway_requests_overdue')) >= before + 1, 'the request to be counted overdue');
    assert.ok((await gateway('gateway_requests_overdue_oldest_seconds')) > 0);
    await texted(requestId);
    await waitFor(async () => (await gateway('gateway_requests_overdue')) === before, 'the count to fall back once it is texted');
  });

  test('kafka_consumer_dead_letters_total: a poison request-code record is counted by the integration service', async () => {
    const topic = `${stack.env.KAFKA_NAMESPACE}${Topics.requestCode}`;
    const labels = new RegExp(`topic="${topic}"`);
    const before = await integration('kafka_consumer_dead_letters_total', labels);
    const producer = new KafkaProducer(testConnection('operator-metrics-test'));
    try {
      await producer.publishRecords([{ topic, key: 'poison', value: Buffer.from('{"not":"a request"}') }]);
    } finally {
      await producer.close();
    }
    await waitFor(async () => (await integration('kafka_consumer_dead_letters_total', labels)) === before + 1, 'the dead letter counted');
  });
});
