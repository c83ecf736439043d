import { Topics } from '@voucher/contracts';
import { deadLetterTopic, KafkaProducer, namespaced } from '@voucher/platform/kafka';
import { createLogger } from '@voucher/platform/logging';
import { collectTopic, testBrokers, uniqueNamespace } from '@voucher/platform/testing';
import { readConfig } from '../../src/config.ts';
import { startVoucherService, type VoucherService } from '../../src/service.ts';
import { waitFor } from './fixtures.ts';

export interface DeadLetter {
  value: string;
  reason: string;
}

export interface Harness {
  service: VoucherService;
  /** Publishes raw JSON (or any value) to this test's receive-code topic, keyed by `key`. */
  publish(value: unknown, key?: string): Promise<void>;
  publishRaw(bytes: string, key: string): Promise<void>;
  /** Waits until a record whose value contains `needle` reaches receive-code.dlq. */
  deadLetterContaining(needle: string): Promise<DeadLetter>;
  get(path: string): Promise<{ status: number; body: Record<string, unknown> }>;
  close(): Promise<void>;
}

/** The test runs' cursor key: the service has no default one (CURSOR_SECRET is required). */
export const TEST_CURSOR_SECRET = 'test-cursor-secret-that-is-long-enough-0123456789';
/** The test runs' service credential: the gateway's bearer token, which /api requires (VOUCHER_SERVICE_TOKEN). */
export const TEST_VOUCHER_SERVICE_TOKEN = 'test-voucher-service-token-0123456789abcdefgh';

/**
 * The service in-process with a namespace of its own (topics, consumer group), port 0, the database the
 * environment names (DATABASE_URL), an explicit test cursor key and service token (`get` sends it, as the gateway
 * does); `env` overrides settings.
 */
export async function startHarness(env: Record<string, string> = {}): Promise<Harness> {
  const namespace = uniqueNamespace();
  const config = readConfig({
    ...process.env,
    VOUCHER_PORT: '0',
    KAFKA_NAMESPACE: namespace,
    // A schema of its own, so what one test stores is never what another counts.
    DATABASE_SCHEMA: `voucher_service_${namespace.replace(/[^a-z0-9]/g, '_')}`,
    KAFKA_TOPIC_PARTITIONS: '3',
    CURSOR_SECRET: TEST_CURSOR_SECRET,
    VOUCHER_SERVICE_TOKEN: TEST_VOUCHER_SERVICE_TOKEN,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
    ...env,
  });
  const service = await startVoucherService(config, createLogger('voucher-service-test', config.LOG_LEVEL));
  const producer = new KafkaProducer({ brokers: testBrokers, clientId: `${namespace}test` });
  const topic = namespaced(namespace, Topics.receiveCode);
  const deadLetters = await collectTopic(deadLetterTopic(topic));

  return {
    service,
    publish: (value, key = '') => producer.publish(topic, key, value),
    publishRaw: (bytes, key) => producer.publishRecords([{ topic, key, value: Buffer.from(bytes) }]),
    deadLetterContaining: (needle) =>
      waitFor(async () => {
        const record = deadLetters.records.find((candidate) => candidate.value.includes(needle));
        return record && { value: record.value, reason: record.headers['x-dlq-reason'] ?? '' };
      }, `a dead letter containing ${needle}`),
    async get(path) {
      const response = await fetch(`${service.url}${path}`, { headers: { authorization: `Bearer ${TEST_VOUCHER_SERVICE_TOKEN}` } });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    },
    async close() {
      await deadLetters.stop();
      await producer.close();
      await service.close();
    },
  };
}
