import { randomUUID } from 'node:crypto';
import { Topics } from '@voucher/contracts';
import { readConfig } from '@voucher/gateway/src/config.ts';
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
 *   publish that does nothing).
 * `produce` and `insert` read the gateway's settings from the environment (the stack's, with a Kafka namespace and a
 * database schema of their own, so nothing downstream sees their records). Prints its port on stdout.
 */
export type LimitMode = 'bare' | 'produce' | 'insert';

type Accept = (phoneNumber: string) => Promise<string>;

let sequence = 0;
const bare: Accept = async () => `00000000-0000-4000-8000-${String(++sequence).padStart(12, '0')}`;

async function producing(): Promise<{ accept: Accept; close: () => Promise<void> }> {
  const config = readConfig();
  const producer = createRequestProducer(config);
  const topic = namespaced(config.KAFKA_NAMESPACE, Topics.requestCode);
  const layout = { partitions: config.KAFKA_TOPIC_PARTITIONS, replicationFactor: config.KAFKA_REPLICATION_FACTOR };
  await ensureTopics({ brokers: config.KAFKA_BROKERS, clientId: 'bench-limit' }, [topic], layout);
  const publish = createRequestPublisher(producer, config.KAFKA_NAMESPACE);
  const accept: Accept = async (phoneNumber) => {
    const requestId = randomUUID();
    const now = Date.now();
    const requestedAt = new Date(now).toISOString();
    await publish({ requestId, phoneNumber, requestedAt, deadline: new Date(now + config.WEB_DEADLINE_MS).toISOString() });
    return requestId;
  };
  return { accept, close: () => producer.close() };
}

async function inserting(): Promise<{ accept: Accept; close: () => Promise<void> }> {
  const config = readConfig();
  const db = await openGatewayDatabase(config);
  const logger = createLogger('bench-limit', 'fatal');
  const acceptRequest = createRequestAcceptor({ db, publishRequest: async () => {}, deadlineMs: config.WEB_DEADLINE_MS, logger });
  return { accept: async (phoneNumber) => (await acceptRequest(phoneNumber)).requestId, close: () => db.close() };
}

const mode = (process.argv[2] ?? 'bare') as LimitMode;
const work = mode === 'produce' ? await producing() : mode === 'insert' ? await inserting() : { accept: bare, close: async () => {} };
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
