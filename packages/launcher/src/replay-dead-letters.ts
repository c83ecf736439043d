import { parseArgs } from 'node:util';
import { KafkaProducer, namespaced, replayDeadLetters } from '@voucher/platform/kafka';
import { createLogger } from '@voucher/platform/logging';

/**
 * `npm run dlq:replay -- <topic> [--namespace PREFIX]`: after the cause of a failure is fixed, puts every record of
 * `<topic>.dlq` back on `<topic>` (KAFKA_BROKERS, default the local broker). Each record is replayed once per run of
 * the dead-letter topic; running it again replays only what was dead-lettered since.
 */
const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { namespace: { type: 'string', default: process.env.KAFKA_NAMESPACE ?? '' } },
});
const [name] = positionals;
if (!name || !['request-code', 'receive-code'].includes(name)) {
  console.error('usage: npm run dlq:replay -- request-code|receive-code [--namespace PREFIX]');
  process.exit(2);
}
const connection = { brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','), clientId: 'dlq-replay' };
const producer = new KafkaProducer(connection);
try {
  const topic = namespaced(values.namespace, name);
  const { replayed } = await replayDeadLetters({ connection, topic, producer, logger: createLogger('dlq-replay', 'warn') });
  console.log(`[dlq] replayed ${replayed} record(s) from ${topic}.dlq to ${topic}`);
} finally {
  await producer.close();
}
