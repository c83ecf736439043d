import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Admin, ConfigResourceTypes } from '@platformatic/kafka';
import { startCluster, type LocalCluster } from '@voucher/local-kafka';
import { deadLetterTopic, ensureTopics, KafkaProducer, type KafkaConnection } from '../src/kafka/index.ts';
import { collectTopic, waitFor } from '../src/testing/index.ts';

/**
 * A three-node KRaft cluster of the test's own (ports 39092-39097, state in a temporary directory): topics the platform
 * creates are replicated three times with two in sync, so an acks=all publish and a consumer keep working while any one
 * node is SIGKILLed, and the node rejoins the in-sync replicas when it comes back. Nothing of it is left running.
 */
const PORT = 39092;
const home = mkdtempSync(join(tmpdir(), 'kafka-cluster-'));
let cluster: LocalCluster;
let admin: Admin;
let connection: KafkaConnection;
const producers: KafkaProducer[] = [];

/** The java processes whose command line names the test's directory: the cluster's nodes. */
const javaProcessesOf = (directory: string): string[] => {
  try {
    return execFileSync('pgrep', ['-f', `java.*${directory}`], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
};

const describeTopics = async (topics: string[]) => (await admin.metadata({ topics, forceUpdate: true })).topics;

before(async () => {
  cluster = await startCluster({ brokers: 3, port: PORT, home, log: () => {} });
  connection = { brokers: cluster.bootstrap.split(','), clientId: 'cluster-test' };
  admin = new Admin({ clientId: 'cluster-test-admin', bootstrapBrokers: connection.brokers });
});

after(async () => {
  for (const producer of producers) await producer.close().catch(() => {});
  await admin?.close().catch(() => {});
  await cluster?.stop();
  assert.deepEqual(javaProcessesOf(home), [], 'no node of the cluster is left running');
  rmSync(home, { recursive: true, force: true });
});

test('three nodes, each its own port, one bootstrap list', () => {
  assert.deepEqual(cluster.nodes, [
    { id: 1, port: PORT },
    { id: 2, port: PORT + 2 },
    { id: 3, port: PORT + 4 },
  ]);
  assert.equal(cluster.bootstrap, `127.0.0.1:${PORT},127.0.0.1:${PORT + 2},127.0.0.1:${PORT + 4}`);
  assert.equal(javaProcessesOf(home).length, 3);
});

test('ensureTopics on three brokers: replication factor 3 and min.insync.replicas=2, for the topic and its dead letters', async () => {
  const topic = `cluster-${randomUUID().slice(0, 8)}`;
  await ensureTopics(connection, [topic], { partitions: 2 });
  const topics = await describeTopics([topic, deadLetterTopic(topic)]);
  for (const name of [topic, deadLetterTopic(topic)]) {
    const partitions = topics.get(name)?.partitions ?? [];
    assert.equal(partitions.length, 2, name);
    for (const partition of partitions) assert.equal(partition.replicas.length, 3, `${name}: three copies`);
  }
  const configs = await admin.describeConfigs({
    resources: [topic, deadLetterTopic(topic)].map((name) => ({
      resourceType: ConfigResourceTypes.TOPIC,
      resourceName: name,
      configurationKeys: ['min.insync.replicas'],
    })),
  });
  for (const description of configs) {
    const minInSync = description.configs.find((config) => config.name === 'min.insync.replicas');
    assert.equal(minInSync?.value, '2', description.resourceName);
  }
});

test('with one node SIGKILLed an acks=all publish and a consumer still work; the node comes back into every ISR', async () => {
  const topic = `cluster-kill-${randomUUID().slice(0, 8)}`;
  await ensureTopics(connection, [topic], { partitions: 3 });
  const producer = new KafkaProducer(connection, { deadlineMs: 30_000 });
  producers.push(producer);
  await producer.publish(topic, 'before', 'before');

  // The first bootstrap address and, for some partitions, their leader: clients must move to the other two.
  await cluster.killNode(1);
  assert.equal(javaProcessesOf(join(home, 'node-1')).length, 0, 'node 1 is gone');
  await producer.publish(topic, 'during', 'during');
  const collected = await collectTopic(topic, connection.brokers);
  try {
    await waitFor(() => collected.records.length === 2 || undefined, 'both records to be consumed with one node down', 60_000);
    assert.deepEqual(collected.records.map((record) => record.key).sort(), ['before', 'during']);
  } finally {
    await collected.stop();
  }
  // The controller fences the dead node and takes it out of every ISR: the cluster is not in sync (what the chaos run
  // waits out before it kills another node).
  await waitFor(async () => !(await cluster.inSync()) || undefined, 'node 1 out of the in-sync replicas', 60_000);

  await cluster.startNode(1);
  await waitFor(async () => (await cluster.inSync()) || undefined, 'node 1 back in the in-sync replicas of every partition', 120_000);
  const partitions = (await describeTopics([topic])).get(topic)?.partitions ?? [];
  assert.ok(partitions.length === 3 && partitions.every((partition) => partition.isr.length === 3), 'three in sync, on each partition');
});
