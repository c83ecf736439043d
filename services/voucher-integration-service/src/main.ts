import { runUntilSignalled } from '@voucher/platform/lifecycle';
import { createLogger } from '@voucher/platform/logging';
import { readConfig } from './config.ts';
import { serviceName, startIntegrationService } from './service.ts';

const config = readConfig();
const logger = createLogger(serviceName, config.LOG_LEVEL);

await runUntilSignalled(logger, async () => [await startIntegrationService(config, logger)]);
