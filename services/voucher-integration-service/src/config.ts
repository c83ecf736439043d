import { loadConfig, logSettings, setting } from '@voucher/platform/config';

export const configSpec = {
  INTEGRATION_PORT: setting.integer(8082, { min: 0, max: 65535 }),
  HOST: setting.string('127.0.0.1'),
  ...logSettings,
};

export type Config = ReturnType<typeof loadConfig<typeof configSpec>>;
export const readConfig = (source: NodeJS.ProcessEnv = process.env): Config => loadConfig(configSpec, source);
