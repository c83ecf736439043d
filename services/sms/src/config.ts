import { loadConfig, logSettings, setting } from '@voucher/platform/config';

export const configSpec = {
  SMS_PORT: setting.integer(8084, { min: 0, max: 65535 }),
  HOST: setting.string('127.0.0.1'),
  /** Region for phone numbers written in national form. */
  DEFAULT_REGION: setting.string('VN'),
  /** The inbox keeps at most this many messages, dropping the oldest. */
  SMS_MAX_MESSAGES: setting.integer(100_000, { min: 1, max: 10_000_000 }),
  /** The next N sends answer 503, and this fraction of sends after them: for testing the callers' retries. */
  SMS_FAIL_NEXT: setting.integer(0, { min: 0, max: 1_000_000 }),
  SMS_ERROR_RATE: setting.number(0, { min: 0, max: 1 }),
  ...logSettings,
};

export type Config = ReturnType<typeof loadConfig<typeof configSpec>>;
export const readConfig = (source: NodeJS.ProcessEnv = process.env): Config => loadConfig(configSpec, source);
