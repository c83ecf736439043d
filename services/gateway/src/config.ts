import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { isKnownRegion } from '@voucher/contracts';
import { ConfigError, databaseSettings, kafkaSettings, loadConfig, logSettings, setting, type Setting } from '@voucher/platform/config';
import { staffSettings } from '@voucher/platform/http';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const MIN_SECRET_LENGTH = 32;

/** Regions as ISO 3166 codes (`VN,LA`); unset means DEFAULT_REGION alone. */
const regionList: Setting<string[] | undefined> = (raw) => {
  if (!raw?.trim()) return undefined;
  const regions = raw.split(',').map((region) => region.trim().toUpperCase());
  const unknown = regions.filter((region) => !isKnownRegion(region));
  if (unknown.length > 0) throw new Error(`must be a comma list of ISO 3166 region codes (VN,LA), got '${unknown.join(',')}'`);
  return regions;
};

/** Proxy addresses may be named by proxy-addr's keywords or written as addresses and CIDR ranges. */
const PROXY_KEYWORDS = ['loopback', 'linklocal', 'uniquelocal'];
const isProxyAddress = (entry: string) => {
  const [address = '', prefix, ...rest] = entry.split('/');
  if (PROXY_KEYWORDS.includes(entry)) return true;
  return rest.length === 0 && isIP(address) !== 0 && (prefix === undefined || /^[0-9]{1,3}$/.test(prefix));
};

/**
 * Fastify's trustProxy: whose X-Forwarded-For to believe for the client's address. `false` (the default: the socket's
 * address), or a comma list of the proxies' addresses or CIDR ranges (`10.0.0.0/8,loopback`). `true` believes anyone,
 * so a client could pick its own address: only behind a proxy that overwrites the header. (A hop count is not
 * offered: Fastify 5 cannot check the immediate peer with one and ignores the header.)
 */
const trustProxy: Setting<boolean | string> = (raw) => {
  const value = raw?.trim() ?? '';
  if (value === '' || /^(false|no|0)$/i.test(value)) return false;
  if (/^(true|yes|1)$/i.test(value)) return true;
  const entries = value.split(',').map((entry) => entry.trim());
  const bad = entries.filter((entry) => !isProxyAddress(entry));
  if (bad.length > 0) throw new Error(`must be true, false or a comma list of addresses or CIDR ranges, got '${bad.join(',')}'`);
  return entries.join(',');
};

export const configSpec = {
  GATEWAY_PORT: setting.integer(8080, { min: 0, max: 65535 }),
  HOST: setting.string('127.0.0.1'),
  /** Region for phone numbers written in national form (0909123456). */
  DEFAULT_REGION: setting.string('VN'),
  /** The regions whose numbers the gateway serves (sign-in and voucher routes); DEFAULT_REGION alone when unset. */
  ALLOWED_REGIONS: regionList,
  /** `npm start` sets it: a missing secret then gets a random key for this process instead of stopping start-up. */
  LOCAL_DEMO: setting.boolean(false),
  /** Whose X-Forwarded-For gives the client's address (rate limits, sign-in limits); see trustProxy above. */
  TRUST_PROXY: trustProxy,
  /** How long a client may take to send a whole request (headers and body) before it is cut off with 408. */
  HTTP_REQUEST_TIMEOUT_MS: setting.integer(30_000, { min: 1 }),
  /** How long a connection may stay silent (nothing read or written) before it is closed; above SSE_KEEPALIVE_MS. */
  HTTP_CONNECTION_TIMEOUT_MS: setting.integer(2 * MINUTE, { min: 1 }),
  /** The customer's web promise: a code that arrives later goes by SMS. */
  WEB_DEADLINE_MS: setting.integer(30_000, { min: 1 }),
  /** How long a WEB code waits for the replica holding the customer's page to take it before it goes by SMS. */
  WEB_HANDOFF_MS: setting.integer(1_500, { min: 0 }),
  /**
   * How long the customer's POST waits for the broker to acknowledge the request before answering 503: longer than a
   * cluster takes to move a lost broker's partitions (Kafka fences a silent broker after 9 s by default), so a broker
   * failover costs the customer a wait, not an error.
   */
  PRODUCE_TIMEOUT_MS: setting.integer(10_000, { min: 1 }),
  SMS_URL: setting.url('http://127.0.0.1:8084'),
  SMS_TIMEOUT_MS: setting.integer(5_000, { min: 1 }),
  VOUCHER_SERVICE_URL: setting.url('http://127.0.0.1:8083'),
  /** The credential voucher-service wants on every call (a bearer token, its VOUCHER_SERVICE_TOKEN); no default. */
  VOUCHER_SERVICE_TOKEN: setting.optionalString(),
  /** How long a listing waits for voucher-service before answering 503. */
  VOUCHER_SERVICE_TIMEOUT_MS: setting.integer(5_000, { min: 1 }),
  AUTH_REQUIRED: setting.boolean(true),
  /** Signs access tokens (HS256); at least 32 characters. Required for sign-in by SMS code (no default). */
  AUTH_SECRET: setting.optionalString(),
  /** The token key before a rotation: tokens it signed still verify; new ones are signed with AUTH_SECRET. */
  AUTH_SECRET_PREVIOUS: setting.optionalString(),
  /** Keys the one-time-code hashes (HMAC-SHA256); at least 32 characters, not AUTH_SECRET. Required with AUTH_SECRET. */
  OTP_SECRET: setting.optionalString(),
  /** The code key before a rotation: codes hashed with it still match; new ones are hashed with OTP_SECRET. */
  OTP_SECRET_PREVIOUS: setting.optionalString(),
  /** An external identity provider's JWKS: tokens are verified against it and /auth/* is not served. */
  AUTH_JWKS_URL: setting.optionalString(),
  AUTH_ISSUER: setting.optionalString(),
  AUTH_AUDIENCE: setting.optionalString(),
  OTP_TTL_MS: setting.integer(5 * MINUTE, { min: 1 }),
  OTP_MAX_ATTEMPTS: setting.integer(5, { min: 1 }),
  OTP_PER_NUMBER_PER_HOUR: setting.integer(5, { min: 1 }),
  OTP_PER_ADDRESS_PER_HOUR: setting.integer(20, { min: 1 }),
  /** Sign-in codes sent per minute by all replicas together, whoever asks: a ceiling on what SMS pumping can cost. */
  OTP_GLOBAL_PER_MINUTE: setting.integer(100, { min: 1 }),
  /** Wrong codes for one number, across codes, within OTP_LOCKOUT_WINDOW_MS that lock the number's sign-in. */
  OTP_LOCKOUT_FAILURES: setting.integer(10, { min: 1 }),
  OTP_LOCKOUT_WINDOW_MS: setting.integer(HOUR, { min: 1 }),
  /** How long a locked number can neither get a code nor use one. */
  OTP_LOCKOUT_MS: setting.integer(HOUR, { min: 1 }),
  TOKEN_TTL_MS: setting.integer(15 * MINUTE, { min: 1 }),
  STREAM_TICKET_TTL_MS: setting.integer(MINUTE, { min: 1 }),
  /** Requests per minute per customer (signed in) or client address (IPv6 by /64), counted by all replicas together. */
  RATE_LIMIT_PER_MINUTE: setting.integer(120, { min: 1 }),
  SSE_KEEPALIVE_MS: setting.integer(15_000, { min: 10 }),
  /** Event streams one customer may hold open on one replica at once (tabs, retries). */
  SSE_MAX_STREAMS_PER_CUSTOMER: setting.integer(5, { min: 1 }),
  /** An event stream is ended after this (within one SSE_KEEPALIVE_MS); the page reopens it with a new ticket. */
  SSE_MAX_LIFETIME_MS: setting.integer(10 * MINUTE, { min: 1 }),
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
  /** The support view asks the other services for their parts on their operations ports (ADMIN_PORT), with STAFF_TOKEN. */
  INTEGRATION_ADMIN_URL: setting.url('http://127.0.0.1:9082'),
  VOUCHER_SERVICE_ADMIN_URL: setting.url('http://127.0.0.1:9083'),
  /** How long the support view waits for another service's part before showing it as unavailable. */
  SUPPORT_PART_TIMEOUT_MS: setting.integer(3_000, { min: 1 }),
  ...staffSettings,
  ...kafkaSettings,
  ...databaseSettings,
  ...logSettings,
};

type LoadedConfig = ReturnType<typeof loadConfig<typeof configSpec>>;
/** The settings, with what readConfig settles: the allowed regions, and LOCAL_DEMO's random keys. */
export type Config = Omit<LoadedConfig, 'ALLOWED_REGIONS' | 'VOUCHER_SERVICE_TOKEN'> & {
  ALLOWED_REGIONS: string[];
  VOUCHER_SERVICE_TOKEN: string;
};

/** The auth settings that only make sense together; a gateway that could not verify a token must not start. */
function authProblems(config: LoadedConfig): string[] {
  const problems: string[] = [];
  const jwks = [config.AUTH_JWKS_URL, config.AUTH_ISSUER, config.AUTH_AUDIENCE];
  if (jwks.some(Boolean) && !jwks.every(Boolean)) problems.push('AUTH_JWKS_URL, AUTH_ISSUER and AUTH_AUDIENCE go together');
  if (config.AUTH_JWKS_URL && !URL.canParse(config.AUTH_JWKS_URL)) problems.push('AUTH_JWKS_URL must be a URL');
  if (config.AUTH_REQUIRED && !config.AUTH_JWKS_URL && !config.AUTH_SECRET) {
    problems.push('AUTH_SECRET is required when AUTH_REQUIRED=true and no AUTH_JWKS_URL is set (LOCAL_DEMO=true makes a random one)');
  }
  // The gateway signs customers in itself (SMS codes) exactly when it has a token key and no external provider.
  if (config.AUTH_SECRET && !config.AUTH_JWKS_URL && !config.OTP_SECRET) {
    problems.push('OTP_SECRET is required when the gateway signs customers in (AUTH_SECRET set); LOCAL_DEMO=true makes a random one');
  }
  return [...problems, ...secretProblems(config)];
}

/** One key per purpose, each long enough, and a previous key that really is another one. */
function secretProblems(config: LoadedConfig): string[] {
  const problems: string[] = [];
  const keys = [
    ['AUTH_SECRET', config.AUTH_SECRET],
    ['AUTH_SECRET_PREVIOUS', config.AUTH_SECRET_PREVIOUS],
    ['OTP_SECRET', config.OTP_SECRET],
    ['OTP_SECRET_PREVIOUS', config.OTP_SECRET_PREVIOUS],
    ['VOUCHER_SERVICE_TOKEN', config.VOUCHER_SERVICE_TOKEN],
  ] as const;
  if (config.VOUCHER_SERVICE_TOKEN === undefined) {
    problems.push('VOUCHER_SERVICE_TOKEN is required (voucher-service’s token, the same value there); LOCAL_DEMO=true makes a random one');
  }
  for (const [name, value] of keys) {
    if (value !== undefined && value.length < MIN_SECRET_LENGTH)
      problems.push(`${name} must be at least ${MIN_SECRET_LENGTH} characters long`);
  }
  if (config.AUTH_SECRET && config.AUTH_SECRET === config.OTP_SECRET)
    problems.push('OTP_SECRET must differ from AUTH_SECRET (one key per purpose)');
  if (config.AUTH_SECRET_PREVIOUS && config.AUTH_SECRET_PREVIOUS === config.AUTH_SECRET) {
    problems.push('AUTH_SECRET_PREVIOUS must differ from AUTH_SECRET');
  }
  if (config.OTP_SECRET_PREVIOUS && config.OTP_SECRET_PREVIOUS === config.OTP_SECRET)
    problems.push('OTP_SECRET_PREVIOUS must differ from OTP_SECRET');
  const others = [config.AUTH_SECRET, config.OTP_SECRET, config.VOUCHER_SERVICE_TOKEN];
  if (config.STAFF_TOKEN && others.includes(config.STAFF_TOKEN))
    problems.push('STAFF_TOKEN must differ from every other key (one key per purpose)');
  return problems;
}

/** LOCAL_DEMO=true (npm start): the keys a demo needs and was not given are random, for this process only. */
function withDemoSecrets(config: LoadedConfig): LoadedConfig {
  if (!config.LOCAL_DEMO) return config;
  const random = () => randomBytes(32).toString('base64url');
  const AUTH_SECRET = config.AUTH_SECRET ?? (config.AUTH_REQUIRED && !config.AUTH_JWKS_URL ? random() : undefined);
  const OTP_SECRET = config.OTP_SECRET ?? (AUTH_SECRET && !config.AUTH_JWKS_URL ? random() : undefined);
  // A random service token is only good for a voucher-service given the same one (npm start gives both one per run).
  const VOUCHER_SERVICE_TOKEN = config.VOUCHER_SERVICE_TOKEN ?? random();
  return { ...config, AUTH_SECRET, OTP_SECRET, VOUCHER_SERVICE_TOKEN };
}

/** A stream must show some life more often than a silent connection is cut. */
function timeoutProblems(config: LoadedConfig): string[] {
  return config.SSE_KEEPALIVE_MS < config.HTTP_CONNECTION_TIMEOUT_MS ? [] : ['SSE_KEEPALIVE_MS must be below HTTP_CONNECTION_TIMEOUT_MS'];
}

/** A key deleted while its first attempt may still be waiting for the broker would let a retry create a second request. */
function retentionProblems(config: LoadedConfig): string[] {
  const longestAttemptMs = 3 * config.PRODUCE_TIMEOUT_MS;
  return config.IDEMPOTENCY_KEY_TTL_MS > longestAttemptMs ? [] : ['IDEMPOTENCY_KEY_TTL_MS must exceed 3 × PRODUCE_TIMEOUT_MS'];
}

export function readConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const config = withDemoSecrets(loadConfig(configSpec, source));
  const problems = [...authProblems(config), ...retentionProblems(config), ...timeoutProblems(config)];
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    ...config,
    ALLOWED_REGIONS: config.ALLOWED_REGIONS ?? [config.DEFAULT_REGION.toUpperCase()],
    VOUCHER_SERVICE_TOKEN: config.VOUCHER_SERVICE_TOKEN!, // required above
  };
}
