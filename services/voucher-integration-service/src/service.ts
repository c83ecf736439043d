import { fileURLToPath } from 'node:url';
import { Topics } from '@voucher/contracts';
import { openDatabase, type Database } from '@voucher/platform/database';
import { createHttpServer, type HttpServer } from '@voucher/platform/http';
import { ensureTopics, KafkaProducer, namespaced, type KafkaConnection } from '@voucher/platform/kafka';
import type { Logger } from '@voucher/platform/logging';
import { redeemCallback } from './callback-redeemer.ts';
import type { Config } from './config.ts';
import { createIntegrationMetrics } from './metrics.ts';
import { startOutboxRelay } from './outbox/outbox-relay.ts';
import { ReceiveCodePublisher, type OutcomePublisher } from './receive-code-publisher.ts';
import { startRequestConsumer } from './request-consumer.ts';
import { registerSupportPart } from './routes/support-part.ts';
import { registerVpsCallbackRoute } from './routes/vps-callback.ts';
import { RequestStore } from './store/request-store.ts';
import { startSweeper } from './sweeper.ts';
import { vpsCallbackUrl } from './vps/callback-url.ts';
import { VpsClient } from './vps/vps-client.ts';

export const serviceName = 'voucher-integration-service';
export const migrationsDir = fileURLToPath(new URL('../migrations', import.meta.url));

export interface IntegrationService {
  /** Where the HTTP server listens (the bound port when configured with port 0). */
  url: string;
  port: number;
  http: HttpServer;
  database: Database;
  close(): Promise<void>;
}

/** Seams for tests; production passes none. */
export interface ServiceOverrides {
  /** Wraps the outbox relay's receive-code publisher (a test makes it fail, as a broker outage would). */
  wrapPublisher?: (publisher: OutcomePublisher) => OutcomePublisher;
}

/** Things to close on shutdown (or after a failed start), closed in reverse order of opening. */
class Closers {
  readonly #closers: Array<() => Promise<unknown>> = [];
  add(close: () => Promise<unknown>): void {
    this.#closers.push(close);
  }
  async closeAll(logger: Logger): Promise<void> {
    for (const close of this.#closers.splice(0).reverse()) {
      await close().catch((error) => logger.error({ err: error }, 'error while closing'));
    }
  }
}

/**
 * Starts the service: database, Kafka topics and producer, the outbox relay, the VPS client, the callback endpoint,
 * the request-code consumer and the expiry sweep. close() stops the sweep, drains the consumer, stops taking
 * callbacks, then stops the relay (after a last pass; what it could not publish stays in the outbox for the next one)
 * and the rest.
 */
export async function startIntegrationService(
  config: Config,
  logger: Logger,
  overrides: ServiceOverrides = {},
): Promise<IntegrationService> {
  const closers = new Closers();
  try {
    return await assemble(config, logger, closers, overrides);
  } catch (error) {
    await closers.closeAll(logger);
    throw error;
  }
}

async function assemble(config: Config, logger: Logger, closers: Closers, overrides: ServiceOverrides): Promise<IntegrationService> {
  const connection: KafkaConnection = { brokers: config.KAFKA_BROKERS, clientId: serviceName };
  const topics = {
    requestCode: namespaced(config.KAFKA_NAMESPACE, Topics.requestCode),
    receiveCode: namespaced(config.KAFKA_NAMESPACE, Topics.receiveCode),
  };
  const layout = { partitions: config.KAFKA_TOPIC_PARTITIONS, replicationFactor: config.KAFKA_REPLICATION_FACTOR };
  await ensureTopics(connection, [topics.requestCode, topics.receiveCode], layout);

  const database = await openDatabase({
    service: serviceName,
    migrationsDir,
    url: config.DATABASE_URL,
    schema: config.DATABASE_SCHEMA,
    poolSize: config.DATABASE_POOL_SIZE,
  });
  closers.add(() => database.close());
  const producer = new KafkaProducer(connection);
  closers.add(() => producer.close());
  const receiveCode = new ReceiveCodePublisher(producer, topics.receiveCode);
  const http = createHttpServer(serviceName, logger);
  const metrics = createIntegrationMetrics(http.metrics);
  // The only publisher of receive-code: outcomes are committed with their records in the outbox, and this publishes them.
  const relay = startOutboxRelay({
    db: database,
    publisher: overrides.wrapPublisher?.(receiveCode) ?? receiveCode,
    metrics,
    logger,
    pollMs: config.OUTBOX_POLL_MS,
    batchSize: config.OUTBOX_BATCH_SIZE,
    leaseMs: config.OUTBOX_LEASE_MS,
    retryBaseMs: config.OUTBOX_RETRY_BASE_MS,
    retryMaxMs: config.OUTBOX_RETRY_MAX_MS,
  });
  closers.add(() => relay.close());
  const store = new RequestStore(database, {
    outboxWritten: () => relay.poke(),
    codeReused: (requestId) => {
      metrics.codesReused.inc();
      // Never the code itself: it is money, and it is another customer's.
      logger.error({ requestId }, 'the VPS issued a voucher code it had already issued to another request; request settled FAILED');
    },
  });
  const vps = new VpsClient({
    vpsUrl: config.VPS_URL,
    maxConnections: config.VPS_MAX_CONNECTIONS,
    timeoutMs: config.VPS_REQUEST_TIMEOUT_MS,
    allowPlain: config.PKCE_ALLOW_PLAIN,
  });
  if (config.PKCE_ALLOW_PLAIN) {
    logger.warn('PKCE_ALLOW_PLAIN=true: a plain challenge is its own verifier; whoever sees the VPS 202 can redeem the request first');
  }
  closers.add(() => vps.close());

  http.addReadinessCheck('database', () => store.ping());
  registerVpsCallbackRoute(http, {
    redeem: (callback) => redeemCallback(store, callback),
    metrics,
    logger,
    signatureKeys: [config.VPS_CALLBACK_SECRET, config.VPS_CALLBACK_SECRET_PREVIOUS].filter((key) => key !== undefined),
    webhookIds: { seen: (id) => store.webhookIdSeen(id), remember: (id) => store.rememberWebhookId(id, new Date()) },
    rateLimitPerMinute: config.CALLBACK_RATE_LIMIT_PER_MINUTE,
    allowedAddresses: config.CALLBACK_ALLOWED_ADDRESSES,
  });
  if (!config.VPS_CALLBACK_SECRET && config.VPS_CALLBACK_SECRET_PREVIOUS) {
    logger.warn('VPS_CALLBACK_SECRET_PREVIOUS is set without VPS_CALLBACK_SECRET: callbacks must be signed with the previous secret');
  }
  await registerSupportPart(http, { db: database, staffToken: config.STAFF_TOKEN, logger });
  // Listen before consuming, so that the VPS's first callbacks find the endpoint open.
  await http.listen({ port: config.INTEGRATION_PORT, host: config.HOST });
  closers.add(() => http.close());

  const consumer = await startRequestConsumer({
    config,
    connection,
    topic: topics.requestCode,
    producer,
    store,
    vps,
    metrics,
    logger,
    http,
  });
  closers.add(() => consumer.close());
  const sweeper = startSweeper({
    store,
    metrics,
    logger,
    intervalMs: config.SWEEP_INTERVAL_MS,
    batchSize: config.SWEEP_BATCH_SIZE,
    retentionMs: config.RECORD_RETENTION_MS,
    calls: {
      vps,
      callbackUrl: vpsCallbackUrl(config.INTEGRATION_PUBLIC_URL),
      maxAttempts: config.VPS_MAX_ATTEMPTS,
      retryBaseMs: config.VPS_RETRY_BASE_MS,
      retryMaxMs: config.VPS_RETRY_MAX_MS,
      challengeTtlMs: config.CHALLENGE_TTL_MS,
      maxReasks: config.CHALLENGE_REASKS,
      // Every attempt may run to its timeout and wait the longest backoff before the next.
      leaseMs: config.VPS_MAX_ATTEMPTS * (config.VPS_REQUEST_TIMEOUT_MS + config.VPS_RETRY_MAX_MS),
    },
  });
  closers.add(() => sweeper.close());

  const bound = http.addresses()[0];
  const port = typeof bound === 'object' ? bound.port : config.INTEGRATION_PORT;
  logger.info({ port, vpsUrl: config.VPS_URL, topics }, 'voucher-integration-service started');
  return { url: `http://${config.HOST}:${port}`, port, http, database, close: () => closers.closeAll(logger) };
}
