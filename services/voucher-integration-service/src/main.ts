import { runService } from '@voucher/platform/main';

// runService starts tracing before it loads these modules, so that pg, node:http and Fastify are instrumented.
await runService('voucher-integration-service', async () => ({
  readConfig: (await import('./config.ts')).readConfig,
  start: (await import('./service.ts')).startIntegrationService,
}));
