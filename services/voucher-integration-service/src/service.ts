import { fileURLToPath } from 'node:url';
import { Topics } from '@voucher/contracts';
import { openDatabase, type Database } from '@voucher/platform/database';
import { createHttpServer, type HttpServer } from '@voucher/platform/http';
import { ensureTopics, KafkaProducer, namespaced, type KafkaConnection } from '@voucher/platform/kafka';
import { boundAddress, startParts, type StartedParts } from '@voucher/platform/lifecycle';
import type { Logger } from '@voucher/platform/logging';
import { redeemCallback } from './callback-redeemer.ts';
import type { Config } from './config.ts';
import { createIntegrationMetrics } from './metrics.ts';
import { startOutboxRelay } from './outbox/outbox-relay.ts';
import { ReceiveCodePublisher, type OutcomePublisher } from './receive-code-publisher.ts';
import { startRequestConsumer } from './request-consumer.ts';
import { supportPart } from './routes/support-part.ts';
import { vpsCallbackRoutes } from './routes/vps-callback.ts';
import { RequestStore } from './store/request-store.ts';
import { startOverdueCalls } from './overdue-calls.ts';
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
  return startParts(logger, (parts) => assemble(config, logger, parts, overrides));
}

async function assemble(
  config: Config,
  logger: Logger,
  parts: StartedParts,
  overrides: ServiceOverrides,
): Promise<Omit<IntegrationService, 'close'>> {
  const connection: KafkaConnection = { brokers: config.KAFKA_BROKERS, clientId: serviceName };
  const topics = {
    requestCode: namespaced(config.KAFKA_NAMESPACE, Topics.requestCode),
    receiveCode: namespaced(config.KAFKA_NAMESPACE, Topics.receiveCode),
  };
  const layout = { partitions: config.KAFKA_TOPIC_PARTITIONS, replicationFactor: config.KAFKA_REPLICATION_FACTOR };
  await ensureTopics(connection, [topics.requestCode, topics.receiveCode], layout);

  const database = parts.add(
    await openDatabase({
      service: serviceName,
      migrationsDir,
      url: config.DATABASE_URL,
      schema: config.DATABASE_SCHEMA,
      poolSize: config.DATABASE_POOL_SIZE,
    }),
  );
  const producer = parts.add(new KafkaProducer(connection));
  const receiveCode = new ReceiveCodePublisher(producer, topics.receiveCode);
  const http = createHttpServer(serviceName, logger);
  const metrics = createIntegrationMetrics(http.metrics);
  // The only publisher of receive-code: outcomes are committed with their records in the outbox, and this publishes them.
  const relay = parts.add(
    startOutboxRelay({
      db: database,
      publisher: overrides.wrapPublisher?.(receiveCode) ?? receiveCode,
      metrics,
      logger,
      pollMs: config.OUTBOX_POLL_MS,
      batchSize: config.OUTBOX_BATCH_SIZE,
      leaseMs: config.OUTBOX_LEASE_MS,
      retryBaseMs: config.OUTBOX_RETRY_BASE_MS,
      retryMaxMs: config.OUTBOX_RETRY_MAX_MS,
    }),
  );
  // Each commit's records are held for this relay and published right after it, without a lease pass in between.
  const store = new RequestStore(
    database,
    {
      outboxWritten: (rows) => relay.publishNow(rows),
      codeReused: (requestId) => {
        metrics.codesReused.inc();
        // Never the code itself: it is money, and it is another customer's.
        logger.error({ requestId }, 'the VPS issued a voucher code it had already issued to another request; request settled FAILED');
      },
    },
    { outboxHoldMs: config.OUTBOX_LEASE_MS },
  );
  const vps = parts.add(
    new VpsClient({
      vpsUrl: config.VPS_URL,
      maxConnections: config.VPS_MAX_CONNECTIONS,
      timeoutMs: config.VPS_REQUEST_TIMEOUT_MS,
      allowPlain: config.PKCE_ALLOW_PLAIN,
    }),
  );
  if (config.PKCE_ALLOW_PLAIN) {
    logger.warn('PKCE_ALLOW_PLAIN=true: a plain challenge is its own verifier; whoever sees the VPS 202 can redeem the request first');
  }

  http.addReadinessCheck('database', () => store.ping());
  await http.register(vpsCallbackRoutes, {
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
  await http.register(supportPart, { db: database, staffToken: config.STAFF_TOKEN, logger });
  // Listen before consuming, so that the VPS's first callbacks find the endpoint open.
  await http.listen({ port: config.INTEGRATION_PORT, host: config.HOST });
  parts.add(http);

  parts.add(
    await startRequestConsumer({
      config,
      connection,
      topic: topics.requestCode,
      producer,
      store,
      vps,
      metrics,
      logger,
      http,
    }),
  );
  parts.add(
    startOverdueCalls({
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
        unansweredWindowMs: config.VPS_UNANSWERED_WINDOW_MS,
      },
    }),
  );

  const { url, port } = boundAddress(http, config.HOST);
  logger.info({ port, url, vpsUrl: config.VPS_URL, topics }, 'voucher-integration-service started');
  return { url, port, http, database };
}
