import { ConsumerGroups, decodeRequestCode } from '@voucher/contracts';
import type { HttpServer } from '@voucher/platform/http';
import { consumerReadiness, namespaced, runConsumer, type KafkaConnection, type KafkaProducer } from '@voucher/platform/kafka';
import type { Config } from './config.ts';
import { createRequestHandler, type RequestHandlerDeps } from './request-handler.ts';
import { vpsCallbackUrl } from './vps/callback-url.ts';

export type RequestConsumerDeps = Pick<RequestHandlerDeps, 'store' | 'vps' | 'metrics' | 'logger'> & {
  config: Config;
  connection: KafkaConnection;
  topic: string;
  /** Also sends the dead letters. */
  producer: KafkaProducer;
  /** Where the consumer's readiness check (/readyz) and metrics (restarts, lag) are registered. */
  http?: Pick<HttpServer, 'addReadinessCheck' | 'metrics'>;
};

const handlerSettings = (config: Config): Omit<RequestHandlerDeps, keyof RequestConsumerDeps | 'signal'> => ({
  callbackUrl: vpsCallbackUrl(config.INTEGRATION_PUBLIC_URL),
  maxAttempts: config.VPS_MAX_ATTEMPTS,
  retryBaseMs: config.VPS_RETRY_BASE_MS,
  retryMaxMs: config.VPS_RETRY_MAX_MS,
  challengeTtlMs: config.CHALLENGE_TTL_MS,
});

/**
 * Consumes request-code in the `voucher-integration` group, thousands of messages at once (each mostly waits on the
 * VPS). On close, the consumer is marked closing before waits for a retry are cut short, so their messages stay
 * uncommitted and are redelivered rather than dead-lettered.
 */
export async function startRequestConsumer(deps: RequestConsumerDeps): Promise<{ close(): Promise<void> }> {
  const { config, connection, topic, producer, store, vps, metrics, logger, http } = deps;
  const shutdown = new AbortController();
  const consumer = await runConsumer({
    connection,
    groupId: namespaced(config.KAFKA_NAMESPACE, ConsumerGroups.integration),
    topic,
    decode: decodeRequestCode,
    handle: createRequestHandler({ store, vps, metrics, logger, ...handlerSettings(config), signal: shutdown.signal }),
    producer,
    logger,
    concurrency: config.CONSUMER_CONCURRENCY,
    metrics: http?.metrics,
  });
  http?.addReadinessCheck('kafka', consumerReadiness(consumer));
  return {
    async close() {
      const draining = consumer.close();
      shutdown.abort();
      await draining;
    },
  };
}
