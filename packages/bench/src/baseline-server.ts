import { randomUUID } from 'node:crypto';
import { Topics } from '@voucher/contracts';
import { readConfig, type Config } from '@voucher/gateway/src/config.ts';
import { createRequestProducer } from '@voucher/gateway/src/kafka/kafka-runtime.ts';
import { createRequestPublisher } from '@voucher/gateway/src/kafka/request-publisher.ts';
import { createRequestAcceptor } from '@voucher/gateway/src/requests/accept-request.ts';
import { openGatewayDatabase } from '@voucher/gateway/src/service.ts';
import { ensureTopics, namespaced } from '@voucher/platform/kafka';
import { createLogger } from '@voucher/platform/logging';
import Fastify from 'fastify';

/**
 * The intake scenario's limit baselines, each its own process like the gateway. argv[2] names one:
 * - `bare`: a Fastify route answering the gateway's 202 JSON with nothing behind it;
 * - `produce`: the same route plus the gateway's acks=all publish of the same request-code record (its producer and
 *   publisher, so batched as the gateway batches);
 * - `insert`: the same route plus the gateway's INSERT of the request row (its acceptor, batched by its Batcher, with a
 *   publish that does nothing);
 * - `insertThenProduce`: the gateway's acceptor with both, in its order (the row, then the record): what the gateway
 *   does minus its own work (validation, phone numbers, rate limits, logging). Not part of the limit, which the issue
 *   defines as the least of the other three: it shows how much of the gateway's distance from that limit is the two
 *   durable writes one after the other.
 * `produce`, `insert` and `insertThenProduce` read the gateway's settings from the environment (the stack's, with a Kafka namespace and a
 * database schema of their own, so nothing downstream sees their records). Prints its port on stdout.
 */
export type LimitMode = 'bare' | 'produce' | 'insert';
export type BaselineMode = LimitMode | 'insertThenProduce';

type Accept = (phoneNumber: string) => Promise<string>;

let sequence = 0;
const bare: Accept = async () => `00000000-0000-4000-8000-${String(++sequence).padStart(12, '0')}`;

/** The gateway's producer and publisher of request-code, on a topic of the baseline's own namespace. */
async function openPublisher(config: Config) {
  const producer = createRequestProducer(config);
  const topic = namespaced(config.KAFKA_NAMESPACE, Topics.requestCode);
  const layout = { partitions: config.KAFKA_TOPIC_PARTITIONS, replicationFactor: config.KAFKA_REPLICATION_FACTOR };
  await ensureTopics({ brokers: config.KAFKA_BROKERS, clientId: 'bench-limit' }, [topic], layout);
  return { publish: createRequestPublisher(producer, config.KAFKA_NAMESPACE), close: () => producer.close() };
}

async function producing(): Promise<{ accept: Accept; close: () => Promise<void> }> {
  const config = readConfig();
  const { publish, close } = await openPublisher(config);
  const accept: Accept = async (phoneNumber) => {
    const requestId = randomUUID();
    const now = Date.now();
    const requestedAt = new Date(now).toISOString();
    await publish({ requestId, phoneNumber, requestedAt, deadline: new Date(now + config.WEB_DEADLINE_MS).toISOString() });
    return requestId;
  };
  return { accept, close };
}

/** The gateway's acceptor: its INSERT, then (`publishing`) its publish, or a publish that does nothing. */
async function accepting(publishing: boolean): Promise<{ accept: Accept; close: () => Promise<void> }> {
  const config = readConfig();
  const db = await openGatewayDatabase(config);
  const publisher = publishing ? await openPublisher(config) : { publish: async () => {}, close: async () => {} };
  const logger = createLogger('bench-limit', 'fatal');
  const acceptRequest = createRequestAcceptor({ db, publishRequest: publisher.publish, deadlineMs: config.WEB_DEADLINE_MS, logger });
  return {
    accept: async (phoneNumber) => (await acceptRequest(phoneNumber)).requestId,
    close: async () => {
      await acceptRequest.close();
      await publisher.close();
      await db.close();
    },
  };
}

const modes: Record<BaselineMode, () => Promise<{ accept: Accept; close: () => Promise<void> }>> = {
  bare: async () => ({ accept: bare, close: async () => {} }),
  produce: producing,
  insert: () => accepting(false),
  insertThenProduce: () => accepting(true),
};
const work = await modes[(process.argv[2] ?? 'bare') as BaselineMode]();
const phoneNumber = process.env.BENCH_PHONE_NUMBER ?? '+84909123456';

const app = Fastify({ logger: false });
app.post('/voucher', async (_request, reply) => {
  const requestId = await work.accept(phoneNumber);
  return reply
    .code(202)
    .header('location', `/voucher/requests/${requestId}`)
    .send({ requestId, status: 'PROCESSING', message: 'Your request is being processed within 30 seconds' });
});
await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
console.log(typeof address === 'object' && address ? address.port : 0);
process.on('SIGTERM', () => void app.close().then(() => work.close().then(() => process.exit(0))));
