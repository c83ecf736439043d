import { startTelemetry } from '@voucher/platform/telemetry';

// Tracing first: its instrumentations patch pg, node:http and Fastify as they load, so everything else is imported after.
const telemetry = await startTelemetry('voucher-service');
const { runUntilSignalled } = await import('@voucher/platform/lifecycle');
const { createLogger } = await import('@voucher/platform/logging');
const { readConfig } = await import('./config.ts');
const { SERVICE_NAME, startVoucherService } = await import('./service.ts');

const config = readConfig();
const logger = createLogger(SERVICE_NAME, config.LOG_LEVEL);

await runUntilSignalled(logger, async () => [telemetry, await startVoucherService(config, logger)]);
