import { fileURLToPath } from 'node:url';
import { ConsumerGroups, decodeReceiveCode, Topics } from '@voucher/contracts';
import { openDatabase, type Database } from '@voucher/platform/database';
import { createHttpServer, type HttpServer } from '@voucher/platform/http';
import {
  consumerReadiness,
  ensureTopics,
  KafkaProducer,
  namespaced,
  runConsumer,
  type KafkaConnection,
  type RunningConsumer,
} from '@voucher/platform/kafka';
import { boundAddress, startParts } from '@voucher/platform/lifecycle';
import type { Logger } from '@voucher/platform/logging';
import type { Config } from './config.ts';
import { createVoucherRecorder } from './consumer/voucher-recorder.ts';
import { CursorCodec } from './listing/cursor.ts';
import { createVoucherMetrics } from './metrics.ts';
import { supportPart } from './routes/support-part.ts';
import { voucherRoutes } from './routes/vouchers.ts';
import { VoucherStore } from './store/voucher-store.ts';

export const SERVICE_NAME = 'voucher-service';
const migrationsDir = fileURLToPath(new URL('../migrations', import.meta.url));

export interface VoucherService {
  /** Base URL of the bound HTTP server (the real port, also when VOUCHER_PORT is 0). */
  url: string;
  port: number;
  http: HttpServer;
  db: Database;
  consumer: RunningConsumer;
  /** Stops taking requests, drains the consumer, then closes the producer and the database. */
  close(): Promise<void>;
}

/** Builds and starts the voucher service; anything already started is closed again if a later step fails. */
export function startVoucherService(config: Config, logger: Logger): Promise<VoucherService> {
  if (config.LOCAL_DEMO) {
    logger.warn('LOCAL_DEMO=true: a missing CURSOR_SECRET or VOUCHER_SERVICE_TOKEN is random for this process only: never in production');
  }
  return startParts(logger, async (parts) => {
    const db = parts.add(
      await openDatabase({ service: SERVICE_NAME, migrationsDir, url: config.DATABASE_URL, schema: config.DATABASE_SCHEMA }),
    );
    const connection: KafkaConnection = { brokers: config.KAFKA_BROKERS, clientId: SERVICE_NAME };
    const topic = namespaced(config.KAFKA_NAMESPACE, Topics.receiveCode);
    await ensureTopics(connection, [topic], {
      partitions: config.KAFKA_TOPIC_PARTITIONS,
      replicationFactor: config.KAFKA_REPLICATION_FACTOR,
    });
    const producer = parts.add(new KafkaProducer(connection));

    const http = createHttpServer(SERVICE_NAME, logger);
    const store = new VoucherStore(db);
    const metrics = createVoucherMetrics(http.metrics);
    const consumer = parts.add(
      await runConsumer({
        connection,
        groupId: namespaced(config.KAFKA_NAMESPACE, ConsumerGroups.voucherService),
        topic,
        decode: decodeReceiveCode,
        handle: createVoucherRecorder({ store, metrics, logger }),
        producer,
        logger,
        concurrency: config.CONSUMER_CONCURRENCY,
        metrics: http.metrics,
      }),
    );
    http.addReadinessCheck('kafka', consumerReadiness(consumer));

    http.addReadinessCheck('database', async () => void (await db.query('SELECT 1')));
    await http.register(voucherRoutes, {
      store,
      cursors: new CursorCodec(config.CURSOR_SECRET, config.CURSOR_SECRET_PREVIOUS),
      defaultRegion: config.DEFAULT_REGION,
      serviceTokens: [config.VOUCHER_SERVICE_TOKEN, config.VOUCHER_SERVICE_TOKEN_PREVIOUS].filter((token) => token !== undefined),
    });
    await http.register(supportPart, { store, staffToken: config.STAFF_TOKEN, logger });
    await http.listen({ port: config.VOUCHER_PORT, host: config.HOST });
    parts.add(http);
    const { url, port } = boundAddress(http, config.HOST);
    logger.info({ port, url, topic }, 'voucher-service started');
    return { url, port, http, db, consumer };
  });
}
