import { randomBytes } from 'node:crypto';
import { ConfigError, databaseSettings, kafkaSettings, loadConfig, logSettings, setting } from '@voucher/platform/config';
import { staffSettings } from '@voucher/platform/http';

const MIN_SECRET_LENGTH = 32;

export const configSpec = {
  VOUCHER_PORT: setting.integer(8083, { min: 0, max: 65535 }),
  HOST: setting.string('127.0.0.1'),
  DEFAULT_REGION: setting.string('VN'),
  CONSUMER_CONCURRENCY: setting.integer(256, { min: 1, max: 10_000 }),
  /** `npm start` sets it: a missing secret then gets a random key for this process instead of stopping start-up. */
  LOCAL_DEMO: setting.boolean(false),
  /**
   * Signs listing cursors (HMAC-SHA256), at least 32 characters. Required, with no default: replicas must agree on
   * it (a cursor issued by one is redeemed by another), and a known key would let anyone forge cursors.
   */
  CURSOR_SECRET: setting.optionalString(),
  /** The key before a rotation: still accepted when a cursor is read, never used to sign one. */
  CURSOR_SECRET_PREVIOUS: setting.optionalString(),
  /**
   * The gateway's credential: /api answers only a bearer token equal to it (at least 32 characters, no default; the
   * gateway's VOUCHER_SERVICE_TOKEN is the same value).
   */
  VOUCHER_SERVICE_TOKEN: setting.optionalString(),
  /** The token before a rotation: still accepted, so the gateway can switch to the new one after this service. */
  VOUCHER_SERVICE_TOKEN_PREVIOUS: setting.optionalString(),
  ...staffSettings,
  ...kafkaSettings,
  ...databaseSettings,
  ...logSettings,
};

export type Config = Omit<ReturnType<typeof loadConfig<typeof configSpec>>, 'CURSOR_SECRET' | 'VOUCHER_SERVICE_TOKEN'> & {
  CURSOR_SECRET: string;
  VOUCHER_SERVICE_TOKEN: string;
};

/** A required key: the given one, long enough; a random one under LOCAL_DEMO; otherwise a problem naming it. */
function requiredSecret(name: string, value: string | undefined, demo: boolean, problems: string[], why: string): string | undefined {
  if (value === undefined) {
    if (demo) return randomBytes(32).toString('base64url');
    problems.push(`${name} is required (at least ${MIN_SECRET_LENGTH} characters, ${why}); LOCAL_DEMO=true makes a random one`);
  } else if (value.length < MIN_SECRET_LENGTH) {
    problems.push(`${name} must be at least ${MIN_SECRET_LENGTH} characters long`);
  }
  return value;
}

/** A previous key (rotation): optional, long enough, and another value than the current one. */
function previousSecretProblems(name: string, previous: string | undefined, current: string | undefined): string[] {
  if (previous === undefined) return [];
  if (previous.length < MIN_SECRET_LENGTH) return [`${name}_PREVIOUS must be at least ${MIN_SECRET_LENGTH} characters long`];
  return previous === current ? [`${name}_PREVIOUS must differ from ${name}`] : [];
}

export function readConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const loaded = loadConfig(configSpec, source);
  const problems: string[] = [];
  const token = requiredSecret(
    'VOUCHER_SERVICE_TOKEN',
    loaded.VOUCHER_SERVICE_TOKEN,
    loaded.LOCAL_DEMO,
    problems,
    'the same value as the gateway’s',
  );
  problems.push(...previousSecretProblems('VOUCHER_SERVICE_TOKEN', loaded.VOUCHER_SERVICE_TOKEN_PREVIOUS, token));
  let secret = loaded.CURSOR_SECRET;
  if (secret === undefined) {
    if (loaded.LOCAL_DEMO) secret = randomBytes(32).toString('base64url');
    else problems.push('CURSOR_SECRET is required (at least 32 characters, the same on every replica); LOCAL_DEMO=true makes a random one');
  } else if (secret.length < MIN_SECRET_LENGTH) {
    problems.push(`CURSOR_SECRET must be at least ${MIN_SECRET_LENGTH} characters long`);
  }
  const previous = loaded.CURSOR_SECRET_PREVIOUS;
  if (previous !== undefined && previous.length < MIN_SECRET_LENGTH) {
    problems.push(`CURSOR_SECRET_PREVIOUS must be at least ${MIN_SECRET_LENGTH} characters long`);
  }
  if (previous !== undefined && previous === secret) problems.push('CURSOR_SECRET_PREVIOUS must differ from CURSOR_SECRET');
  if (token !== undefined && token === secret) problems.push('VOUCHER_SERVICE_TOKEN must differ from CURSOR_SECRET (one key per purpose)');
  if (loaded.STAFF_TOKEN !== undefined && loaded.STAFF_TOKEN === token) {
    problems.push('STAFF_TOKEN must differ from VOUCHER_SERVICE_TOKEN (one key per purpose)');
  }
  if (problems.length > 0 || secret === undefined || token === undefined) throw new ConfigError(problems);
  return { ...loaded, CURSOR_SECRET: secret, VOUCHER_SERVICE_TOKEN: token };
}
