import { databaseSettings, kafkaSettings, loadConfig, logSettings, setting, type Setting } from '@voucher/platform/config';

/** Development-only key for signing pagination cursors; start-up warns when it is in use. */
export const DEVELOPMENT_CURSOR_SECRET = 'voucher-service-development-cursor-secret-change-me';

/**
 * Replicas must agree on the key (a cursor issued by one is redeemed by another), so it is never random per
 * process; a short key would make forged cursors guessable.
 */
const cursorSecret: Setting<string> = (raw) => {
  const value = setting.string(DEVELOPMENT_CURSOR_SECRET)(raw);
  if (value.length < 32) throw new Error('must be at least 32 characters long');
  return value;
};

export const configSpec = {
  VOUCHER_PORT: setting.integer(8083, { min: 0, max: 65535 }),
  HOST: setting.string('127.0.0.1'),
  DEFAULT_REGION: setting.string('VN'),
  CONSUMER_CONCURRENCY: setting.integer(256, { min: 1, max: 10_000 }),
  CURSOR_SECRET: cursorSecret,
  ...kafkaSettings,
  ...databaseSettings,
  ...logSettings,
};

export type Config = ReturnType<typeof loadConfig<typeof configSpec>>;
export const readConfig = (source: NodeJS.ProcessEnv = process.env): Config => loadConfig(configSpec, source);
