import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { Admin } from '@platformatic/kafka';
import { ConsumerGroups, Topics } from '@voucher/contracts';
import { jarsDir, packageDir } from '../../local-kafka/src/layout.ts';
import { provisionJars } from '../../local-kafka/src/provision.ts';
import { ensureTopics, KafkaProducer, runConsumer, type KafkaConnection, type RunningConsumer } from '../src/kafka/index.ts';
import { clientOptions, kafkaSecurityFromEnvironment } from '../src/kafka/connection.ts';
import { createLogger } from '../src/logging/index.ts';
import { everyMessage, waitFor } from '../src/testing/index.ts';
import { loadCompose, type Compose } from './fixtures/compose.ts';

/**
 * The Kafka of docker-compose.yml, run on this machine without Docker: the three kafka-N services' own script (its
 * server.properties with SASL/SCRAM listeners, the three-node quorum and the StandardAuthorizer, `kafka-storage format
 * --add-scram`, the broker start), their healthcheck, and kafka-init's script (the services' SCRAM users and ACLs), with the image's
 * /opt/kafka/bin tools replaced by the same classes from the jars the local broker uses, and its paths, host names
 * and ports mapped to a temporary directory and free ports. Then the platform's own clients, configured from each
 * service's environment in the compose file, do what the services do; and what they must not do is refused.
 */
const PASSWORDS = {
  KAFKA_BROKER_PASSWORD: 'b0'.repeat(16),
  KAFKA_CONTROLLER_PASSWORD: 'c0'.repeat(16),
  KAFKA_ADMIN_PASSWORD: 'a0'.repeat(16),
  KAFKA_GATEWAY_PASSWORD: '9a'.repeat(16),
  KAFKA_INTEGRATION_PASSWORD: '1e'.repeat(16),
  KAFKA_VOUCHER_PASSWORD: 'fc'.repeat(16),
};
const OTHER_VARIABLES = ['AUTH_SECRET', 'OTP_SECRET', 'CURSOR_SECRET', 'VOUCHER_SERVICE_TOKEN', 'POSTGRES_PASSWORD'];
const logger = createLogger('kafka-sasl-test', 'silent');

/** The image's tools (`/opt/kafka/bin/*.sh`) and the class each runs. */
const TOOLS = {
  'kafka-storage.sh': 'kafka.tools.StorageTool',
  'kafka-server-start.sh': 'kafka.Kafka',
  'kafka-configs.sh': 'kafka.admin.ConfigCommand',
  'kafka-acls.sh': 'org.apache.kafka.tools.AclCommand',
  'kafka-broker-api-versions.sh': 'org.apache.kafka.tools.BrokerApiVersionsCommand',
};

function run(script: string, env: NodeJS.ProcessEnv, logFile?: string): ChildProcess {
  const child = spawn('sh', ['-c', script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.once('close', () => logFile && writeFileSync(logFile, output));
  return Object.assign(child, { output: () => output });
}

async function runToEnd(script: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ status: number | null; output: string }> {
  const child = run(script, env) as ChildProcess & { output(): string };
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const status = await new Promise<number | null>((resolve) => child.once('close', resolve));
  clearTimeout(timer);
  return { status, output: child.output() };
}

describe('the compose file’s Kafka: SASL/SCRAM, one user per service, ACLs (its own scripts, run locally)', () => {
  const home = mkdtempSync(join(tmpdir(), 'compose-kafka-'));
  let compose: Compose;
  const NODES = [1, 2, 3];
  const nodes: ChildProcess[] = [];
  /** Each node's client and controller port here (index 0 unused). */
  const ports: Array<{ client: number; controller: number }> = [];
  let mapToHere: (script: string, node?: number) => string;
  const consumers: RunningConsumer[] = [];
  const producers: KafkaProducer[] = [];

  /** A connection with the Kafka settings of one compose service's environment, as that service computes them. */
  const connectionOf = (service: string): KafkaConnection => ({
    brokers: NODES.map((node) => `127.0.0.1:${ports[node]!.client}`),
    clientId: `${service}-sasl-test`,
    security: kafkaSecurityFromEnvironment(compose.services[service]!.environment!),
  });
  const producerOf = (connection: KafkaConnection) => {
    const producer = new KafkaProducer(connection, { deadlineMs: 8_000, retries: 1 });
    producers.push(producer);
    return producer;
  };
  const consume = async (connection: KafkaConnection, groupId: string, topic: string, into: string[]) => {
    const consumer = await runConsumer({
      connection,
      groupId,
      topic,
      decode: (bytes) => ({ ok: true, value: bytes.toString() }),
      handle: async (value: string) => void into.push(value),
      producer: producerOf(connection),
      logger,
      clientRetries: 1,
    });
    consumers.push(consumer);
    return consumer;
  };

  /**
   * Why a consumer gets nothing: either it cannot start at all, or it starts (joining a group it may use) and is then
   * refused the topic, and says so in its health. The topic holds a record already, which it must never see.
   */
  async function refusedToConsume(connection: KafkaConnection, groupId: string, topic: string): Promise<string> {
    const received: string[] = [];
    let consumer: RunningConsumer;
    try {
      consumer = await consume(connection, groupId, topic, received);
    } catch (error) {
      return everyMessage(error);
    }
    const reason = await waitFor(
      () => (consumer.health().state !== 'running' && consumer.health().lastError) || undefined,
      `${topic} to be refused`,
      30_000,
    );
    assert.deepEqual(received, [], 'nothing was read');
    return reason;
  }

  before(
    async () => {
      provisionJars(() => {});
      // Fixed ports of this file's own (39300-39305), not OS-picked ones: while the nodes wait for each other, a port
      // from the OS's client range can be handed to another process, or to a node's own retry as its source port.
      for (const node of NODES) ports[node] = { client: 39298 + 2 * node, controller: 39299 + 2 * node };
      compose = loadCompose({ ...PASSWORDS, ...Object.fromEntries(OTHER_VARIABLES.map((name) => [name, 'x'.repeat(40)])) });

      mkdirSync(join(home, 'bin'), { recursive: true });
      writeFileSync(join(home, 'log4j2.properties'), readFileSync(join(packageDir, 'tools-log4j2.properties')));
      for (const [tool, mainClass] of Object.entries(TOOLS)) {
        const memory = tool === 'kafka-server-start.sh' ? '-Xms256m -Xmx768m' : '-Xms32m -Xmx256m -XX:TieredStopAtLevel=1';
        const file = join(home, 'bin', tool);
        writeFileSync(
          file,
          `#!/bin/sh\nexec java ${memory} -Dlog4j2.configurationFile=${home}/log4j2.properties -cp '${jarsDir}/*' ${mainClass} "$@"\n`,
        );
        chmodSync(file, 0o755);
      }
      /** The script as it runs here: node `node`'s own paths and ports (its listeners, its healthcheck's localhost). */
      mapToHere = (script, node) => {
        let mapped = script
          .replaceAll('/opt/kafka/bin/', `${home}/bin/`)
          .replaceAll('/tmp/admin.properties', `${home}/init-admin.properties`);
        for (const other of NODES) {
          mapped = mapped
            .replaceAll(`kafka-${other}:9092`, `127.0.0.1:${ports[other]!.client}`)
            .replaceAll(`kafka-${other}:9093`, `127.0.0.1:${ports[other]!.controller}`);
        }
        if (node !== undefined) {
          mapped = mapped
            .replaceAll('/opt/kafka/config', `${home}/node-${node}/config`)
            .replaceAll('/var/lib/kafka/data', `${home}/node-${node}/data`)
            .replaceAll('//:9092', `//127.0.0.1:${ports[node]!.client}`)
            .replaceAll('//:9093', `//127.0.0.1:${ports[node]!.controller}`)
            .replaceAll('localhost:9092', `127.0.0.1:${ports[node]!.client}`)
            // advertised.listeners names the node by its compose host name.
            .replaceAll('kafka-$' + '{NODE_ID}:9092', `127.0.0.1:${ports[node]!.client}`);
        }
        assert.doesNotMatch(mapped, /\/opt\/kafka|\/var\/lib\/kafka|:909[23]\b/, 'every path and address is mapped');
        return mapped;
      };

      for (const node of NODES) {
        const kafka = compose.services[`kafka-${node}`]!;
        assert.deepEqual(kafka.entrypoint, ['/bin/sh', '-c']);
        nodes.push(run(mapToHere(kafka.command!.join('\n'), node), kafka.environment!, join(home, `node-${node}.log`)));
      }
      // One healthcheck at a time (each is a JVM start): the nodes come up together, so the later ones pass at once.
      for (const [index, node] of NODES.entries()) {
        const healthcheck = mapToHere(compose.services[`kafka-${node}`]!.healthcheck!.test[1]!, node);
        const child = nodes[index]!;
        await waitFor(
          async () => {
            if (child.exitCode !== null) throw new Error(`node ${node} exited:\n${(child as unknown as { output(): string }).output()}`);
            return (await runToEnd(healthcheck, {}, 30_000)).status === 0 || undefined;
          },
          `node ${node}'s compose healthcheck to pass`,
          180_000,
        );
      }
      const init = compose.services['kafka-init']!;
      const result = await runToEnd(mapToHere(init.command!.join('\n')), init.environment!, 240_000);
      assert.equal(result.status, 0, `kafka-init failed:\n${result.output}`);
      assert.match(result.output, /Kafka users and ACLs are in place/);
      // The healthchecks pass once each node listens; the brokers register with the controller, and the group
      // coordinator comes up with __consumer_offsets (50 partitions, three copies), after that: wait for both as the
      // admin user, as a service retries its start-up until it can create its topics and join its group.
      const admin = new Admin({
        ...clientOptions(
          {
            ...connectionOf('gateway'),
            security: { sasl: { mechanism: 'scram-sha-512', username: 'admin', password: PASSWORDS.KAFKA_ADMIN_PASSWORD } },
          },
          'admin',
        ),
        retries: 0,
      });
      try {
        await waitFor(
          async () => {
            try {
              const { brokers } = await admin.metadata({ topics: [], forceUpdate: true });
              return (
                (brokers.size === NODES.length && (await admin.describeGroups({ groups: [ConsumerGroups.gateway] })).size > 0) || undefined
              );
            } catch {
              return undefined;
            }
          },
          'all three brokers registered and the group coordinator up',
          180_000,
        );
      } finally {
        await admin.close();
      }
      // Three nodes and kafka-init's dozen tool runs (a JVM each) take minutes on a busy two-core machine.
    },
    { timeout: 540_000 },
  );

  after(async () => {
    for (const consumer of consumers) await consumer.close().catch(() => {});
    for (const producer of producers) await producer.close().catch(() => {});
    await Promise.all(
      nodes
        .filter((node) => node.exitCode === null)
        .map(async (node) => {
          node.kill('SIGTERM');
          const closed = new Promise((resolve) => node.once('close', () => resolve(true)));
          // All three stopping at once can leave the last without a quorum to shut down cleanly with.
          if (!(await Promise.race([closed, sleep(20_000)]))) node.kill('SIGKILL');
          await closed; // its log is written on close, before the directory goes
        }),
    );
    if (existsSync(home)) rmSync(home, { recursive: true, force: true });
  });

  test('each service does its part as its own user: topics created, request-code → integration → receive-code → gateway and voucher-service', async () => {
    const gateway = connectionOf('gateway');
    const integration = connectionOf('voucher-integration-service');
    const voucher = connectionOf('voucher-service');
    const layout = { partitions: 1, replicationFactor: 1 };
    await ensureTopics(gateway, [Topics.requestCode, Topics.receiveCode], layout);
    await ensureTopics(integration, [Topics.requestCode, Topics.receiveCode], layout);
    await ensureTopics(voucher, [Topics.receiveCode], layout);

    const requests: string[] = [];
    const atGateway: string[] = [];
    const atVoucherService: string[] = [];
    await consume(integration, ConsumerGroups.integration, Topics.requestCode, requests);
    await consume(gateway, ConsumerGroups.gateway, Topics.receiveCode, atGateway);
    await consume(voucher, ConsumerGroups.voucherService, Topics.receiveCode, atVoucherService);

    await producerOf(gateway).publish(Topics.requestCode, 'r1', { requestId: 'r1' });
    await waitFor(() => requests.length > 0 || undefined, 'integration to read request-code', 30_000);
    await producerOf(integration).publish(Topics.receiveCode, 'r1', { requestId: 'r1', voucherCode: 'C' });
    await waitFor(() => (atGateway.length > 0 && atVoucherService.length > 0) || undefined, 'both readers of receive-code', 30_000);
    // Dead letters go to the .dlq twin of the consumed topic.
    await producerOf(gateway).publish(`${Topics.receiveCode}.dlq`, 'r1', { dead: true });
    await producerOf(integration).publish(`${Topics.requestCode}.dlq`, 'r1', { dead: true });
    await producerOf(voucher).publish(`${Topics.receiveCode}.dlq`, 'r1', { dead: true });
  });

  test('what a service does not do is refused: another topic, another group', async () => {
    // The first test's members leave, so that a group here has only the member under test.
    for (const consumer of consumers.splice(0)) await consumer.close();
    const gateway = connectionOf('gateway');
    const voucher = connectionOf('voucher-service');
    await assert.rejects(producerOf(gateway).publish(Topics.receiveCode, 'x', {}), /authoriz/i, 'the gateway does not publish codes');
    await assert.rejects(
      producerOf(voucher).publish(Topics.requestCode, 'x', {}),
      /authoriz/i,
      'voucher-service does not publish requests',
    );
    assert.match(
      await refusedToConsume(voucher, ConsumerGroups.voucherService, Topics.requestCode),
      /authoriz/i,
      'voucher-service does not read requests',
    );
    assert.match(await refusedToConsume(voucher, ConsumerGroups.gateway, Topics.receiveCode), /authoriz/i, 'nor join the gateway’s group');
  });

  test('a wrong password, or no SASL at all, gets nowhere', async () => {
    const base = connectionOf('gateway');
    const wrong: KafkaConnection = { ...base, security: { sasl: { ...base.security!.sasl!, password: 'not-the-password-0123456789' } } };
    const failure = await ensureTopics(wrong, [Topics.requestCode], { partitions: 1, replicationFactor: 1 }).then(
      () => undefined,
      (error: unknown) => error,
    );
    assert.match(everyMessage(failure), /authentication|SASL/i);
    const anonymous: KafkaConnection = { ...base, security: {} };
    await assert.rejects(ensureTopics(anonymous, [Topics.requestCode], { partitions: 1, replicationFactor: 1 }));
  });
});
