import { runUntilSignalled } from '@voucher/platform/lifecycle';
import { createLogger } from '@voucher/platform/logging';
import { readConfig } from './config.ts';
import { startVps } from './service.ts';

const config = readConfig();
const logger = createLogger('vps', config.LOG_LEVEL);

await runUntilSignalled(logger, async () => [await startVps(config, logger)]);
