import { runUntilSignalled } from '@voucher/platform/lifecycle';
import { createLogger } from '@voucher/platform/logging';
import { readConfig } from './config.ts';
import { SERVICE_NAME, startVoucherService } from './service.ts';

const config = readConfig();
const logger = createLogger(SERVICE_NAME, config.LOG_LEVEL);

await runUntilSignalled(logger, async () => [await startVoucherService(config, logger)]);
