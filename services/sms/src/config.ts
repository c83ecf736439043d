import { ConfigError, loadConfig, logSettings, setting } from '@voucher/platform/config';

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
  /**
   * Bearer token of the /admin routes and of the inbox's data (`GET /api/messages`, which shows every one-time code);
   * required unless LOCAL_DEMO=true (then unset means open). The inbox page takes it as `#token=...` in its URL.
   */
  SMS_ADMIN_TOKEN: setting.optionalString(),
  LOCAL_DEMO: setting.boolean(false),
  ...logSettings,
};

export type Config = ReturnType<typeof loadConfig<typeof configSpec>>;
export function readConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const config = loadConfig(configSpec, source);
  if (!config.LOCAL_DEMO && !config.SMS_ADMIN_TOKEN) {
    throw new ConfigError(['SMS_ADMIN_TOKEN is required (the /admin routes and the inbox) unless LOCAL_DEMO=true']);
  }
  if (config.SMS_ADMIN_TOKEN !== undefined && config.SMS_ADMIN_TOKEN.length < 16) {
    throw new ConfigError(['SMS_ADMIN_TOKEN must be at least 16 characters']);
  }
  return config;
}
