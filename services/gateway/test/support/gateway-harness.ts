import { randomUUID } from 'node:crypto';
import { waitFor } from '@voucher/platform/testing';
import { createLogger } from '@voucher/platform/logging';
import type { Database } from '@voucher/platform/database';
import { readConfig, type Config } from '../../src/config.ts';
import { openGatewayDatabase, startGateway, type RunningGateway } from '../../src/service.ts';

export const logger = createLogger('gateway-test', process.env.TEST_LOG_LEVEL ?? 'silent');

/** A fresh namespace for Kafka topics and groups, so every test file is isolated on the shared broker. */
export const uniqueNamespace = () => `t${randomUUID().slice(0, 8)}-`;

/** A valid Vietnamese mobile number in national form, different for every call. */
export const randomPhone = () => `0909${String(Math.floor(Math.random() * 1e6)).padStart(6, '0')}`;
export const toE164 = (national: string) => `+84${national.slice(1)}`;

/** Test config: ports of 0, the test run's database (DATABASE_URL), short timings, open routes. */
export function testConfig(env: Record<string, string> = {}): Config {
  const namespace = uniqueNamespace();
  return readConfig({
    GATEWAY_PORT: '0',
    AUTH_REQUIRED: 'false',
    KAFKA_NAMESPACE: namespace,
    // A schema of its own: the delivery worker of one test's gateway must never text another test's customers.
    DATABASE_SCHEMA: `gateway_${namespace.replace(/[^a-z0-9]/g, '_')}`,
    KAFKA_TOPIC_PARTITIONS: '3',
    DATABASE_URL: process.env.DATABASE_URL ?? '',
    WEB_DEADLINE_MS: '20000',
    WEB_HANDOFF_MS: '400',
    PRODUCE_TIMEOUT_MS: '1500',
    SSE_KEEPALIVE_MS: '200',
    RATE_LIMIT_PER_MINUTE: '10000',
    SMS_TIMEOUT_MS: '1000',
    LOG_LEVEL: 'silent',
    ...env,
  });
}

/** The platform's polling helper, re-exported so tests import one harness. */
export { waitFor };

/** Starts a gateway and waits until its consumer has joined the group (/readyz answers 200). */
export async function startReadyGateway(config: Config): Promise<RunningGateway> {
  const gateway = await startGateway(config, logger);
  await waitFor(async () => (await fetch(`${gateway.url}/readyz`)).status === 200 || undefined, 'the gateway to be ready');
  return gateway;
}

/** A pool of the test's own on the gateway's database, so it can look inside. */
export const openTestDatabase = (config: Config): Promise<Database> => openGatewayDatabase(config);

export async function postVoucher(gateway: RunningGateway, query: string, init: RequestInit = {}) {
  const response = await fetch(`${gateway.url}/voucher${query}`, { method: 'POST', ...init });
  return { response, body: (await response.json()) as Record<string, unknown> };
}
