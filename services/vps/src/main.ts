import { runUntilSignalled } from '@voucher/platform/lifecycle';
import { createLogger } from '@voucher/platform/logging';
import { createHttpServer } from '@voucher/platform/http';
import { readConfig } from './config.ts';

const config = readConfig();
const logger = createLogger('vps', config.LOG_LEVEL);

await runUntilSignalled(logger, async () => {
  const http = createHttpServer('vps', logger);
  await http.listen({ port: config.VPS_PORT, host: config.HOST });
  return [{ close: () => http.close() }];
});
