import { randomUUID } from 'node:crypto';
import { decodeRequestCode, Topics, type RequestCodeMessage } from '@voucher/contracts';
import { readConfig, type Config } from '@voucher/gateway/src/config.ts';
import { lifeCycle } from '@voucher/gateway/src/delivery/life-cycle.ts';
import { createRequestProducer } from '@voucher/gateway/src/kafka/kafka-runtime.ts';
import { createRequestPublisher, type PublishRequest } from '@voucher/gateway/src/kafka/request-publisher.ts';
import { createRequestAcceptor } from '@voucher/gateway/src/requests/accept-request.ts';
import { openGatewayDatabase } from '@voucher/gateway/src/service.ts';
import { Batcher } from '@voucher/platform/batching';
import { ensureTopics, namespaced, runConsumer } from '@voucher/platform/kafka';
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
 * - `produceThenRow`: the broker as the record of acceptance (a design considered for the gateway, DECISIONS.md): the
 *   route plus the produce alone, and the same row written off the request's path by a consumer of the same topic (the
 *   gateway's INSERT, batched by its Batcher over what the consumer has in hand). Not part of the limit either: it shows
 *   what the one design that waits for one durable write could reach, its consumer's work counted. `GET /progress`
 *   answers `{accepted, written}`, so that the bench can wait for the rows inside the measured run.
 * All but `bare` read the gateway's settings from the environment (the stack's, with a Kafka namespace and a database
 * schema of their own, so nothing downstream sees their records). Prints its port on stdout.
 */
export type LimitMode = 'bare' | 'produce' | 'insert';
export type BaselineMode = LimitMode | 'insertThenProduce' | 'produceThenRow';

type Accept = (phoneNumber: string) => Promise<string>;
/** What a baseline does per request, and how it stops; `progress` only where work goes on after the answer. */
interface Baseline {
  accept: Accept;
  close: () => Promise<void>;
  progress?: () => { accepted: number; written: number };
}

let sequence = 0;
const bare: Accept = async () => `00000000-0000-4000-8000-${String(++sequence).padStart(12, '0')}`;

/** The gateway's producer and publisher of request-code, on a topic of the baseline's own namespace. */
async function openPublisher(config: Config) {
  const producer = createRequestProducer(config);
  const topic = namespaced(config.KAFKA_NAMESPACE, Topics.requestCode);
  const layout = { partitions: config.KAFKA_TOPIC_PARTITIONS, replicationFactor: config.KAFKA_REPLICATION_FACTOR };
  await ensureTopics({ brokers: config.KAFKA_BROKERS, clientId: 'bench-limit' }, [topic], layout);
  return { producer, topic, publish: createRequestPublisher(producer, config.KAFKA_NAMESPACE), close: () => producer.close() };
}

/** Publishes a request-code record as the gateway builds one, and answers once the broker has it. */
const publishing =
  (publish: PublishRequest, deadlineMs: number): Accept =>
  async (phoneNumber) => {
    const requestId = randomUUID();
    const now = Date.now();
    const requestedAt = new Date(now).toISOString();
    await publish({ requestId, phoneNumber, requestedAt, deadline: new Date(now + deadlineMs).toISOString() });
    return requestId;
  };

async function producing(): Promise<Baseline> {
  const config = readConfig();
  const { publish, close } = await openPublisher(config);
  return { accept: publishing(publish, config.WEB_DEADLINE_MS), close };
}

/** The gateway's acceptor: its INSERT, then (`publishing`) its publish, or a publish that does nothing. */
async function accepting(publishing: boolean): Promise<Baseline> {
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

/** The produce alone on the request's path; a consumer of the same topic writes each record's row in batches. */
async function producingThenRecording(): Promise<Baseline> {
  const config = readConfig();
  const db = await openGatewayDatabase(config);
  const publisher = await openPublisher(config);
  const publish = publishing(publisher.publish, config.WEB_DEADLINE_MS);
  let accepted = 0;
  let written = 0;
  const rows = new Batcher<RequestCodeMessage>(async (messages) => {
    const requests = messages.map((m) => ({ requestId: m.requestId, phoneNumber: m.phoneNumber, deadline: new Date(m.deadline) }));
    await lifeCycle.insert(db, requests);
    written += messages.length;
    return messages.map(() => undefined);
  });
  const consumer = await runConsumer({
    connection: { brokers: config.KAFKA_BROKERS, clientId: 'bench-limit-rows' },
    groupId: namespaced(config.KAFKA_NAMESPACE, 'bench-limit-rows'),
    topic: publisher.topic,
    decode: decodeRequestCode,
    handle: (message) => rows.add(message),
    producer: publisher.producer,
    logger: createLogger('bench-limit-rows', 'fatal'),
    concurrency: config.CONSUMER_CONCURRENCY,
  });
  return {
    accept: async (phoneNumber) => {
      const requestId = await publish(phoneNumber);
      accepted++;
      return requestId;
    },
    progress: () => ({ accepted, written }),
    close: async () => {
      await consumer.close();
      await rows.drained();
      await publisher.close();
      await db.close();
    },
  };
}

const modes: Record<BaselineMode, () => Promise<Baseline>> = {
  bare: async () => ({ accept: bare, close: async () => {} }),
  produce: producing,
  insert: () => accepting(false),
  insertThenProduce: () => accepting(true),
  produceThenRow: producingThenRecording,
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
const progress = work.progress;
if (progress) app.get('/progress', async () => progress());
await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
console.log(typeof address === 'object' && address ? address.port : 0);
process.on('SIGTERM', () => void app.close().then(() => work.close().then(() => process.exit(0))));
