import { runUntilSignalled } from '@voucher/platform/lifecycle';
import { createLogger } from '@voucher/platform/logging';
import { readConfig } from './config.ts';
import { startSms } from './service.ts';

const config = readConfig();
const logger = createLogger('sms', config.LOG_LEVEL);

await runUntilSignalled(logger, async () => [await startSms(config, logger)]);
