export { ConfigError, loadConfig, setting, type Setting } from './env.ts';
export { databaseSettings, kafkaSettings, logSettings } from './common.ts';
