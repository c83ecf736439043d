import { fileURLToPath } from 'node:url';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { openDatabase, type Database } from '@voucher/platform/database';
import { createHttpServer, type HttpServer } from '@voucher/platform/http';
import type { Logger } from '@voucher/platform/logging';
import { createCustomerAuth } from './auth/customer-auth.ts';
import type { Config } from './config.ts';
import { createPageDelivery } from './delivery/page-delivery.ts';
import { ReadySignal } from './delivery/ready-signal.ts';
import { createReceiveCodeHandler } from './delivery/receive-code-handler.ts';
import { createSmsDelivery } from './delivery/sms-delivery.ts';
import { StreamRegistry } from './delivery/stream-registry.ts';
import { startKafka } from './kafka/kafka-runtime.ts';
import { createRequestPublisher } from './kafka/request-publisher.ts';
import { createGatewayMetrics } from './metrics.ts';
import { createRequestAcceptor } from './requests/accept-request.ts';
import { voucherRoutes } from './routes/voucher-routes.ts';
import { HttpSmsSender } from './sms/http-sms-sender.ts';
import type { SmsSender } from './sms/sms-sender.ts';

export interface GatewayDeps {
  /** A database shared with other replicas in this process (PGlite); the caller keeps ownership and closes it. */
  db?: Database;
  sms?: SmsSender;
}

export interface RunningGateway {
  url: string;
  port: number;
  http: HttpServer;
  close(): Promise<void>;
}

const migrationsDir = fileURLToPath(new URL('../migrations', import.meta.url));

/** The gateway's own database, migrated; replicas in one process (tests) may share it. */
export const openGatewayDatabase = (config: Config): Promise<Database> =>
  openDatabase({ service: 'gateway', migrationsDir, url: config.DATABASE_URL, dataDir: config.DATA_DIR });

/** Builds and starts the gateway: database, HTTP API, request-code producer, receive-code consumer. */
export async function startGateway(config: Config, parentLogger: Logger, deps: GatewayDeps = {}): Promise<RunningGateway> {
  const logger = parentLogger.child({ replica: config.GATEWAY_REPLICA_ID });
  const db = deps.db ?? (await openGatewayDatabase(config));
  const sms = deps.sms ?? new HttpSmsSender(config.SMS_URL, config.SMS_TIMEOUT_MS);
  const http = createHttpServer('gateway', logger);
  const metrics = createGatewayMetrics(http.metrics);
  const registry = new StreamRegistry(config.SSE_KEEPALIVE_MS, metrics.setOpenStreams);
  const signal = new ReadySignal(db, logger);
  const sendBySms = createSmsDelivery({ db, sms, signal, metrics, logger });
  const offerToPages = createPageDelivery({ db, registry, metrics, signal, sendBySms });
  await signal.listen(offerToPages);

  const handleReceiveCode = createReceiveCodeHandler({ db, signal, sendBySms, handoffMs: config.WEB_HANDOFF_MS, logger });
  const kafka = startKafka(config, logger, handleReceiveCode);
  const publishRequest = createRequestPublisher(kafka.producer, config.KAFKA_NAMESPACE);
  const acceptRequest = createRequestAcceptor({
    db,
    publishRequest,
    deadlineMs: config.WEB_DEADLINE_MS,
    produceTimeoutMs: config.PRODUCE_TIMEOUT_MS,
    logger,
  });

  if (!config.AUTH_REQUIRED) logger.warn('AUTH_REQUIRED=false: voucher routes are open: demo only');
  const auth = createCustomerAuth({ required: config.AUTH_REQUIRED });
  await http.register(async (scope) =>
    voucherRoutes(scope.withTypeProvider<TypeBoxTypeProvider>(), {
      db,
      auth,
      acceptRequest,
      offerToPages,
      registry,
      metrics,
      defaultRegion: config.DEFAULT_REGION,
      rateLimitPerMinute: config.RATE_LIMIT_PER_MINUTE,
    }),
  );
  http.addReadinessCheck('database', async () => void (await db.query('SELECT 1')));
  http.addReadinessCheck('kafka', () => {
    if (!kafka.consumerRunning) throw new Error('the receive-code consumer has not started (is Kafka reachable?)');
  });

  await http.listen({ port: config.GATEWAY_PORT, host: config.HOST });
  const address = http.addresses()[0];
  const port = typeof address === 'object' ? address.port : config.GATEWAY_PORT;
  logger.info({ port }, 'gateway started');

  return {
    url: `http://${config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST}:${port}`,
    port,
    http,
    async close() {
      registry.closeAll(); // pages reconnect to another replica
      await http.close();
      await kafka.close();
      await signal.close();
      await sms.close();
      if (!deps.db) await db.close();
    },
  };
}
