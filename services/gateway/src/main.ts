import { runUntilSignalled } from '@voucher/platform/lifecycle';
import { createLogger } from '@voucher/platform/logging';
import { readConfig } from './config.ts';
import { startGateway } from './service.ts';

const config = readConfig();
const logger = createLogger('gateway', config.LOG_LEVEL);

await runUntilSignalled(logger, async () => [await startGateway(config, logger)]);
