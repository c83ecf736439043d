import { randomBytes } from 'node:crypto';
import { ConfigError, databaseSettings, kafkaSettings, loadConfig, logSettings, setting } from '@voucher/platform/config';

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
  ...kafkaSettings,
  ...databaseSettings,
  ...logSettings,
};

export type Config = Omit<ReturnType<typeof loadConfig<typeof configSpec>>, 'CURSOR_SECRET'> & { CURSOR_SECRET: string };

export function readConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const loaded = loadConfig(configSpec, source);
  const problems: string[] = [];
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
  if (problems.length > 0 || secret === undefined) throw new ConfigError(problems);
  return { ...loaded, CURSOR_SECRET: secret };
}
