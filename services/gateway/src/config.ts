import { hostname } from 'node:os';
import { ConfigError, databaseSettings, kafkaSettings, loadConfig, logSettings, setting } from '@voucher/platform/config';

const MINUTE = 60_000;

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
  /** How long a listing waits for voucher-service before answering 503. */
  VOUCHER_SERVICE_TIMEOUT_MS: setting.integer(5_000, { min: 1 }),
  AUTH_REQUIRED: setting.boolean(true),
  /** Signs access tokens and keys the one-time-code hashes; at least 32 characters. */
  AUTH_SECRET: setting.optionalString(),
  /** An external identity provider's JWKS: tokens are verified against it and /auth/* is not served. */
  AUTH_JWKS_URL: setting.optionalString(),
  AUTH_ISSUER: setting.optionalString(),
  AUTH_AUDIENCE: setting.optionalString(),
  OTP_TTL_MS: setting.integer(5 * MINUTE, { min: 1 }),
  OTP_MAX_ATTEMPTS: setting.integer(5, { min: 1 }),
  OTP_PER_NUMBER_PER_HOUR: setting.integer(5, { min: 1 }),
  OTP_PER_ADDRESS_PER_HOUR: setting.integer(20, { min: 1 }),
  TOKEN_TTL_MS: setting.integer(15 * MINUTE, { min: 1 }),
  STREAM_TICKET_TTL_MS: setting.integer(MINUTE, { min: 1 }),
  /** Requests per client address per minute on the voucher routes. */
  RATE_LIMIT_PER_MINUTE: setting.integer(120, { min: 1 }),
  SSE_KEEPALIVE_MS: setting.integer(15_000, { min: 10 }),
  /** SMS sends taken per pass of the delivery worker (and so sent at once); no database connection is held meanwhile. */
  SMS_BATCH_SIZE: setting.integer(64, { min: 1, max: 10_000 }),
  /** A failed SMS is retried after this, doubling up to SMS_RETRY_MAX_MS, for as long as it takes. */
  SMS_RETRY_BASE_MS: setting.integer(500, { min: 1 }),
  SMS_RETRY_MAX_MS: setting.integer(60_000, { min: 1 }),
  /** How often the delivery worker looks for due hand-offs and sends when nothing wakes it. */
  DELIVERY_POLL_MS: setting.integer(250, { min: 10 }),
  DATABASE_POOL_SIZE: setting.integer(20, { min: 2, max: 1_000 }),
  /** receive-code messages handled at once (each is one UPDATE). */
  CONSUMER_CONCURRENCY: setting.integer(256, { min: 1, max: 100_000 }),
  /** How long a client may retry a POST with the same Idempotency-Key and get the first answer (24 h). */
  IDEMPOTENCY_KEY_TTL_MS: setting.integer(24 * 60 * MINUTE, { min: 1 }),
  /**
   * How long after its deadline a request may stay without an outcome before the customer is told it failed. Longer
   * than the integration service's whole wait for the VPS (its challenge TTL and re-asks), so it only catches losses.
   */
  OUTCOME_GRACE_MS: setting.integer(60 * MINUTE, { min: 1 }),
  /** How often each replica looks for such requests. */
  OVERDUE_SCAN_INTERVAL_MS: setting.integer(MINUTE, { min: 10 }),
  /** How often each replica deletes dead rows (old Idempotency-Keys, expired codes and tickets, ended windows). */
  HOUSEKEEPING_INTERVAL_MS: setting.integer(MINUTE, { min: 10 }),
  /** The most rows one housekeeping statement deletes, so no sweep holds long locks. */
  HOUSEKEEPING_BATCH_SIZE: setting.integer(1_000, { min: 1, max: 100_000 }),
  GATEWAY_REPLICA_ID: setting.string(`${hostname()}-${process.pid}`),
  ...kafkaSettings,
  ...databaseSettings,
  ...logSettings,
};

export type Config = ReturnType<typeof loadConfig<typeof configSpec>>;

/** The auth settings that only make sense together; a gateway that could not verify a token must not start. */
function authProblems(config: Config): string[] {
  const problems: string[] = [];
  const jwks = [config.AUTH_JWKS_URL, config.AUTH_ISSUER, config.AUTH_AUDIENCE];
  if (jwks.some(Boolean) && !jwks.every(Boolean)) problems.push('AUTH_JWKS_URL, AUTH_ISSUER and AUTH_AUDIENCE go together');
  if (config.AUTH_JWKS_URL && !URL.canParse(config.AUTH_JWKS_URL)) problems.push('AUTH_JWKS_URL must be a URL');
  if (config.AUTH_SECRET !== undefined && config.AUTH_SECRET.length < 32) problems.push('AUTH_SECRET must be at least 32 characters long');
  if (config.AUTH_REQUIRED && !config.AUTH_JWKS_URL && !config.AUTH_SECRET) {
    problems.push('AUTH_SECRET is required when AUTH_REQUIRED=true and no AUTH_JWKS_URL is set');
  }
  return problems;
}

/** A key deleted while its first attempt may still be waiting for the broker would let a retry create a second request. */
function retentionProblems(config: Config): string[] {
  const longestAttemptMs = 3 * config.PRODUCE_TIMEOUT_MS;
  return config.IDEMPOTENCY_KEY_TTL_MS > longestAttemptMs ? [] : ['IDEMPOTENCY_KEY_TTL_MS must exceed 3 × PRODUCE_TIMEOUT_MS'];
}

export function readConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const config = loadConfig(configSpec, source);
  const problems = [...authProblems(config), ...retentionProblems(config)];
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
