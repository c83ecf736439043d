import { ConfigError, loadConfig, logSettings, setting, type Setting } from '@voucher/platform/config';
import { parseAllowedHosts, webhookKey } from './security.ts';
import { MAX_LATENCY_MS, parseTraffic, type Traffic } from './traffic.ts';
import { transformMethods } from './vouchers/pkce.ts';

const rate = () => setting.number(0, { min: 0, max: 1 });
const milliseconds = (fallback: number) => setting.integer(fallback, { min: 0, max: MAX_LATENCY_MS });

function traffic(fallback: string): Setting<Traffic> {
  return (raw) => parseTraffic(raw?.trim() || fallback);
}

function optionalMilliseconds(): Setting<number | undefined> {
  return (raw) => (raw?.trim() ? milliseconds(0)(raw) : undefined);
}

function optionalInteger(): Setting<number | undefined> {
  return (raw) => (raw?.trim() ? setting.integer(0, { min: 0, max: 2 ** 32 - 1 })(raw) : undefined);
}

export const configSpec = {
  VPS_PORT: setting.integer(8081, { min: 0, max: 65535 }),
  HOST: setting.string('127.0.0.1'),
  /** Codes ready within this mark are answered at once (200); the others are acknowledged here (202). */
  VPS_ACK_AFTER_MS: milliseconds(3000),
  /** The 30 s mark: a callback after it says LATE_SUCCESS. */
  WEB_DEADLINE_MS: milliseconds(30_000),
  VPS_TRAFFIC: traffic('low'),
  /** Narrow the `low` profile (clamped to the ack mark). */
  VPS_LATENCY_MIN_MS: milliseconds(50),
  VPS_LATENCY_MAX_MS: optionalMilliseconds(),
  VPS_TRANSFORM_METHOD: setting.oneOf(transformMethods, 'S256'),
  VPS_SEED: optionalInteger(),
  VPS_ERROR_RATE: rate(),
  VPS_TIMEOUT_RATE: rate(),
  VPS_DUPLICATE_CALLBACK_RATE: rate(),
  VPS_FORGED_CALLBACK_RATE: rate(),
  VPS_FAIL_NEXT: setting.integer(0, { min: 0, max: 1_000_000 }),
  /** How long a request chosen to time out is held open before its connection is dropped. */
  VPS_TIMEOUT_HOLD_MS: milliseconds(60_000),
  /** How long a requestId is remembered for idempotent retries, and how many are remembered at most. */
  VPS_IDEMPOTENCY_TTL_MS: setting.integer(24 * 60 * 60 * 1000, { min: 1000 }),
  VPS_IDEMPOTENCY_MAX_ENTRIES: setting.integer(1_000_000, { min: 1 }),
  /**
   * Where requests are remembered across restarts (JSON lines), as a real provider would; unset, in memory only. A
   * restart then still answers a known requestId with its first code and sends the callbacks that were due.
   */
  VPS_STATE_FILE: setting.optionalString(),
  /**
   * How long a callback is retried (timeouts, connection errors, 408, 429, 5xx), from its first attempt: a real
   * provider keeps trying for minutes, so an outage of the bank's callback endpoint or its broker is waited out.
   */
  VPS_CALLBACK_RETRY_WINDOW_MS: setting.integer(10 * 60 * 1000, { min: 0, max: 24 * 60 * 60 * 1000 }),
  /** The first wait between attempts, doubled each time (with jitter) up to VPS_CALLBACK_RETRY_MAX_MS. */
  VPS_CALLBACK_RETRY_BASE_MS: milliseconds(500),
  VPS_CALLBACK_RETRY_MAX_MS: setting.integer(30_000, { min: 1, max: MAX_LATENCY_MS }),
  VPS_CALLBACK_TIMEOUT_MS: setting.integer(10_000, { min: 1, max: MAX_LATENCY_MS }),
  /** Connections per bank origin for callbacks; further callbacks queue for a free connection. */
  VPS_CALLBACK_CONNECTIONS: setting.integer(64, { min: 1, max: 10_000 }),
  /** `whsec_<base64>`: when set, every callback is signed (Standard Webhooks), as the integration service can require. */
  VPS_CALLBACK_SECRET: (raw: string | undefined) => (raw?.trim() ? webhookKey(raw) : undefined),
  /**
   * The hosts (`host[:port]`, comma list) callbacks may go to; any other callbackUrl is a 400, so the simulator cannot
   * be made to call arbitrary addresses. Required unless LOCAL_DEMO=true (then unset means any host).
   */
  VPS_CALLBACK_ALLOWED_HOSTS: (raw: string | undefined) => (raw?.trim() ? parseAllowedHosts(raw) : undefined),
  /** Bearer token of the /admin routes; required unless LOCAL_DEMO=true (then unset means open). */
  VPS_ADMIN_TOKEN: setting.optionalString(),
  LOCAL_DEMO: setting.boolean(false),
  ...logSettings,
};

export type Config = ReturnType<typeof loadConfig<typeof configSpec>>;

export function readConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const config = loadConfig(configSpec, source);
  const problems: string[] = [];
  if (config.WEB_DEADLINE_MS <= config.VPS_ACK_AFTER_MS) {
    problems.push(`WEB_DEADLINE_MS (${config.WEB_DEADLINE_MS}) must be later than VPS_ACK_AFTER_MS (${config.VPS_ACK_AFTER_MS})`);
  }
  if (!config.LOCAL_DEMO && !config.VPS_ADMIN_TOKEN)
    problems.push('VPS_ADMIN_TOKEN is required (the /admin routes) unless LOCAL_DEMO=true');
  if (!config.LOCAL_DEMO && !config.VPS_CALLBACK_ALLOWED_HOSTS) {
    problems.push('VPS_CALLBACK_ALLOWED_HOSTS is required (the hosts callbacks may go to) unless LOCAL_DEMO=true');
  }
  if (config.VPS_ADMIN_TOKEN !== undefined && config.VPS_ADMIN_TOKEN.length < 16)
    problems.push('VPS_ADMIN_TOKEN must be at least 16 characters');
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
