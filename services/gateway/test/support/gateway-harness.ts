import { randomInt } from 'node:crypto';
import { testClock as clockAt, uniqueNamespace, waitFor, type TestClock } from '@voucher/platform/testing';
import { createLogger } from '@voucher/platform/logging';
import type { Database } from '@voucher/platform/database';
import { readConfig, type Config } from '../../src/config.ts';
import { openGatewayDatabase, startGateway, type GatewayDeps, type RunningGateway } from '../../src/service.ts';

export const logger = createLogger('gateway-test', process.env.TEST_LOG_LEVEL ?? 'silent');

/** A valid Vietnamese mobile number in national form, different for every call. */
export const randomPhone = () => `0909${String(Math.floor(Math.random() * 1e6)).padStart(6, '0')}`;
export const toE164 = (national: string) => `+84${national.slice(1)}`;

/** The test runs' one-time-code key: the gateway has no default one (OTP_SECRET is required with AUTH_SECRET). */
export const TEST_OTP_SECRET = 'gateway-test-otp-secret-0123456789abcdefghijk';
/** The test runs' credential for voucher-service (VOUCHER_SERVICE_TOKEN, required): a test's voucher-service gets it too. */
export const TEST_VOUCHER_SERVICE_TOKEN = 'gateway-test-voucher-service-token-0123456789';

/**
 * Test config: ports of 0, the test run's database (DATABASE_URL), short timings, open routes, an explicit test
 * OTP_SECRET (used once a test sets AUTH_SECRET) and VOUCHER_SERVICE_TOKEN, and no global ceiling on codes (tests sign
 * in a lot).
 */
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
    // The test run's brokers (npm test sets them): another cluster than the default one must be reachable too.
    ...(process.env.KAFKA_BROKERS ? { KAFKA_BROKERS: process.env.KAFKA_BROKERS } : {}),
    WEB_DEADLINE_MS: '20000',
    WEB_HANDOFF_MS: '400',
    PRODUCE_TIMEOUT_MS: '1500',
    SSE_KEEPALIVE_MS: '200',
    RATE_LIMIT_PER_MINUTE: '10000',
    SMS_TIMEOUT_MS: '1000',
    OTP_SECRET: TEST_OTP_SECRET,
    VOUCHER_SERVICE_TOKEN: TEST_VOUCHER_SERVICE_TOKEN,
    OTP_GLOBAL_PER_MINUTE: '1000000',
    LOG_LEVEL: 'silent',
    ...env,
  });
}

/** The platform's polling helper, re-exported so tests import one harness. */
export { waitFor };

/** Starts a gateway and waits until its consumer has joined the group (/readyz answers 200). */
export async function startReadyGateway(config: Config, deps: GatewayDeps = {}): Promise<RunningGateway> {
  const gateway = await startGateway(config, logger, deps);
  await waitFor(async () => (await fetch(`${gateway.url}/readyz`)).status === 200 || undefined, 'the gateway to be ready');
  return gateway;
}

/** A pool of the test's own on the gateway's database, so it can look inside. */
export const openTestDatabase = (config: Config): Promise<Database> => openGatewayDatabase(config);

export async function postVoucher(gateway: RunningGateway, query: string, init: RequestInit = {}) {
  const response = await fetch(`${gateway.url}/voucher${query}`, { method: 'POST', ...init });
  return { response, body: (await response.json()) as Record<string, unknown> };
}

const HOUR = 3_600_000;

/**
 * The test kit's clock for the gateway (GatewayDeps.clock: pass `clock.now`): windows, expiries and locks end when the
 * test moves it. It starts a minute into a random hour far in the future, so that the counters this test writes to the
 * shared database (per minute, per hour) are its own.
 */
export const testClock = (): TestClock => clockAt(Date.UTC(2200, 0, 1) + randomInt(0, 1_000_000) * HOUR + 60_000);
