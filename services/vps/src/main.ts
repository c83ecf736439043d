import { startTelemetry } from '@voucher/platform/telemetry';

// Tracing first: its instrumentations patch pg, node:http and Fastify as they load, so everything else is imported after.
const telemetry = await startTelemetry('vps');
const { runUntilSignalled } = await import('@voucher/platform/lifecycle');
const { createLogger } = await import('@voucher/platform/logging');
const { readConfig } = await import('./config.ts');
const { startVps } = await import('./service.ts');

const config = readConfig();
const logger = createLogger('vps', config.LOG_LEVEL);

await runUntilSignalled(logger, async () => [telemetry, await startVps(config, logger)]);
