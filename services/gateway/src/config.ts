import { hostname } from 'node:os';
import { databaseSettings, kafkaSettings, loadConfig, logSettings, setting } from '@voucher/platform/config';

export const configSpec = {
  GATEWAY_PORT: setting.integer(8080, { min: 0, max: 65535 }),
  HOST: setting.string('127.0.0.1'),
  /** Region for phone numbers written in national form (0909123456). */
  DEFAULT_REGION: setting.string('VN'),
  /** The customer's web promise: a code that arrives later goes by SMS. */
  WEB_DEADLINE_MS: setting.integer(30_000, { min: 1 }),
  /** How long a WEB code waits for the replica holding the customer's page to take it before it goes by SMS. */
  WEB_HANDOFF_MS: setting.integer(1_500, { min: 0 }),
  /** How long the customer's POST waits for the broker to acknowledge the request before answering 503. */
  PRODUCE_TIMEOUT_MS: setting.integer(3_000, { min: 1 }),
  SMS_URL: setting.url('http://127.0.0.1:8084'),
  SMS_TIMEOUT_MS: setting.integer(5_000, { min: 1 }),
  VOUCHER_SERVICE_URL: setting.url('http://127.0.0.1:8083'),
  AUTH_REQUIRED: setting.boolean(true),
  /** Requests per client address per minute on the voucher routes. */
  RATE_LIMIT_PER_MINUTE: setting.integer(120, { min: 1 }),
  SSE_KEEPALIVE_MS: setting.integer(15_000, { min: 10 }),
  CONSUMER_CONCURRENCY: setting.integer(256, { min: 1, max: 10_000 }),
  GATEWAY_REPLICA_ID: setting.string(`${hostname()}-${process.pid}`),
  ...kafkaSettings,
  ...databaseSettings,
  ...logSettings,
};

export type Config = ReturnType<typeof loadConfig<typeof configSpec>>;
export const readConfig = (source: NodeJS.ProcessEnv = process.env): Config => loadConfig(configSpec, source);
