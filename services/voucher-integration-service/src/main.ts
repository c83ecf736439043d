import { startTelemetry } from '@voucher/platform/telemetry';

// Tracing first: its instrumentations patch pg, node:http and Fastify as they load, so everything else is imported after.
const telemetry = await startTelemetry('voucher-integration-service');
const { runUntilSignalled } = await import('@voucher/platform/lifecycle');
const { createLogger } = await import('@voucher/platform/logging');
const { readConfig } = await import('./config.ts');
const { serviceName, startIntegrationService } = await import('./service.ts');

const config = readConfig();
const logger = createLogger(serviceName, config.LOG_LEVEL);

await runUntilSignalled(logger, async () => [telemetry, await startIntegrationService(config, logger)]);
