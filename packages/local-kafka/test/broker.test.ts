import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { bootstrapAddress, startBroker } from '../src/index.ts';
import { runKafkaTool } from '../src/kafka-tools.ts';

/** Runs one of Kafka's own command-line tools against the local broker; fails with its stderr unless it exits 0. */
async function kafkaTool(mainClass: string, args: string[], input?: string): Promise<string> {
  const result = await runKafkaTool(mainClass, ['--bootstrap-server', bootstrapAddress, ...args], { input });
  const outcome = result.signal ? `was killed (${result.signal})` : `exited ${result.status}`;
  assert.equal(result.status, 0, `${mainClass} ${args.join(' ')} ${outcome}:\n${result.stderr}`);
  return result.stdout;
}

test('starting the broker again leaves the running one alone', async () => {
  const lines: string[] = [];
  assert.equal(await startBroker((line) => lines.push(line)), false);
  assert.match(lines.join('\n'), /already accepts clients/);
});

test("an independent Kafka client (Kafka's own console tools) creates a topic, produces to it and consumes from it", async () => {
  const topic = `console-tools-${randomUUID().slice(0, 8)}`;
  await kafkaTool('org.apache.kafka.tools.TopicCommand', ['--create', '--topic', topic, '--partitions', '1', '--replication-factor', '1']);
  await kafkaTool(
    'org.apache.kafka.tools.ConsoleProducer',
    ['--topic', topic, '--property', 'parse.key=true', '--property', 'key.separator=:'],
    'customer-1:first\ncustomer-2:second\n',
  );
  const consumed = await kafkaTool('org.apache.kafka.tools.consumer.ConsoleConsumer', [
    '--topic',
    topic,
    '--from-beginning',
    '--max-messages',
    '2',
    '--timeout-ms',
    '30000',
    '--property',
    'print.key=true',
    '--property',
    'key.separator==',
  ]);
  assert.deepEqual(consumed.trim().split('\n'), ['customer-1=first', 'customer-2=second']);
  const brokers = await kafkaTool('org.apache.kafka.tools.BrokerApiVersionsCommand', []);
  assert.match(brokers, /\(id: 1 rack: /, 'the broker is node 1');
});
