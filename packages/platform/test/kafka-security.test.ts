import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { after, afterEach, before, describe, test } from 'node:test';
import { ConfigError, kafkaSettings, loadConfig } from '../src/config/index.ts';
import { ensureTopics, KafkaProducer, replayDeadLetters, runConsumer, type KafkaConnection } from '../src/kafka/index.ts';
import { createLogger } from '../src/logging/index.ts';

/**
 * The SASL and TLS settings reach every client the platform creates (producer, consumer, admin, dead-letter replay),
 * seen on the wire: a fake broker records what each connection sends. A TLS client opens with a TLS record (0x16). A
 * SASL client asks ApiVersions (to pick its SaslAuthenticate version) and then sends SaslHandshake (API key 17) naming
 * its mechanism; the fake answers ApiVersions with an error, which the client gets past, and drops the connection at
 * any other request. A plain client never sends SaslHandshake. Every operation fails; only what was sent matters.
 * (The credentials themselves, and a broker that checks them, are in kafka-sasl.test.ts.)
 */
interface FirstBytes {
  tls: boolean;
  /** The API keys of the requests the connection sent, in order. */
  apiKeys: number[];
  text: string;
}

const API_VERSIONS = 18;
const SASL_HANDSHAKE = 17;

/**
 * An error answer for the request's correlation id: ApiVersions v1 with UNSUPPORTED_VERSION (35) and no keys (the
 * client goes on to SaslHandshake), SaslHandshake v1 with UNSUPPORTED_SASL_MECHANISM (33) and no mechanisms (the
 * client gives up at once, instead of retrying a dropped connection).
 */
function errorAnswer(apiKey: number, correlationId: number): Buffer {
  const body = Buffer.alloc(apiKey === API_VERSIONS ? 14 : 10);
  body.writeInt32BE(correlationId, 0);
  body.writeInt16BE(apiKey === API_VERSIONS ? 35 : 33, 4);
  body.writeInt32BE(0, 6); // an empty array (and, for ApiVersions, a throttle time of 0 after it)
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  return Buffer.concat([size, body]);
}
const logger = createLogger('kafka-security-test', 'silent');
const SECURITY_VARIABLES = ['KAFKA_SASL_MECHANISM', 'KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD', 'KAFKA_TLS'];

describe('Kafka clients authenticate as configured (SASL, TLS)', () => {
  let server: Server;
  const sockets = new Set<Socket>();
  let firstBytes: FirstBytes[] = [];
  let brokers: string[];
  const saved = Object.fromEntries(SECURITY_VARIABLES.map((name) => [name, process.env[name]]));

  before(async () => {
    server = createServer((socket) => {
      sockets.add(socket.once('close', () => sockets.delete(socket)));
      let record: FirstBytes | undefined;
      let pending = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        if (!record) {
          record = { tls: chunk[0] === 0x16, apiKeys: [], text: '' };
          firstBytes.push(record);
        }
        record.text += chunk.toString('latin1');
        if (record.tls) return void socket.destroy();
        pending = Buffer.concat([pending, chunk]);
        while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
          const request = pending.subarray(4, 4 + pending.readInt32BE(0));
          pending = pending.subarray(4 + request.length);
          const apiKey = request.readInt16BE(0);
          record.apiKeys.push(apiKey);
          if (apiKey !== API_VERSIONS && apiKey !== SASL_HANDSHAKE) return void socket.destroy();
          socket.write(errorAnswer(apiKey, request.readInt32BE(4)));
        }
      });
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    brokers = [`localhost:${(server.address() as AddressInfo).port}`];
  });
  after(async () => {
    // Clients that failed may keep their connection open; the fake closes them.
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  afterEach(() => {
    firstBytes = [];
    for (const name of SECURITY_VARIABLES) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  });

  /** Each kind of client the platform makes, pointed at the fake broker; every one fails, which is expected. */
  async function useEveryClient(connection: KafkaConnection): Promise<void> {
    await ensureTopics(connection, ['t'], { partitions: 1, replicationFactor: 1 }).catch(() => {});
    const producer = new KafkaProducer(connection, { timeoutMs: 300, retries: 0, deadlineMs: 1_000 });
    await producer.publish('t', 'k', { a: 1 }).catch(() => {});
    await producer.close().catch(() => {});
    await runConsumer({
      connection,
      groupId: 'g',
      topic: 't',
      decode: () => ({ ok: false, reason: 'unused' }),
      handle: async () => {},
      producer: new KafkaProducer(connection, { timeoutMs: 300, retries: 0, deadlineMs: 500 }),
      logger,
      clientRetries: 0,
    })
      .then((consumer) => consumer.close())
      .catch(() => {});
    await replayDeadLetters({ connection, topic: 't', producer, logger, idleMs: 100 }).catch(() => {});
  }

  /** Which client ids opened a connection, by the first bytes each sent (client ids are in every Kafka request). */
  const roles = (bytes: FirstBytes[]) =>
    ['admin', 'producer', 'consumer', 'dlq-replay'].filter((role) => bytes.some((first) => first.text.includes(`-${role}`)));

  test('KAFKA_SASL_MECHANISM=scram-sha-512 in the environment: every client starts with a SaslHandshake for SCRAM-SHA-512', async () => {
    Object.assign(process.env, {
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'gateway',
      KAFKA_SASL_PASSWORD: 'pw-0123456789',
    });
    // A connection that names no security, as the services' own connections do.
    await useEveryClient({ brokers, clientId: 'env-sasl' });
    assert.ok(firstBytes.length >= 4, `connections were opened (${firstBytes.length})`);
    for (const first of firstBytes) {
      assert.ok(first.apiKeys.includes(SASL_HANDSHAKE), `SaslHandshake is sent (${first.apiKeys.join(',')})`);
      assert.match(first.text, /SCRAM-SHA-512/);
      assert.doesNotMatch(first.text, /pw-0123456789/, 'the password never goes out in the clear (SCRAM)');
    }
    assert.deepEqual(roles(firstBytes), ['admin', 'producer', 'consumer', 'dlq-replay']);
  });

  test('the mechanism is named in any case, and PLAIN and SCRAM-SHA-256 are offered too', async () => {
    for (const [setting, wire] of [
      ['SCRAM-SHA-256', 'SCRAM-SHA-256'],
      ['plain', 'PLAIN'],
    ] as const) {
      firstBytes = [];
      Object.assign(process.env, { KAFKA_SASL_MECHANISM: setting, KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' });
      await ensureTopics({ brokers, clientId: 'mechanisms' }, ['t'], { partitions: 1, replicationFactor: 1 }).catch(() => {});
      assert.ok(firstBytes.length > 0);
      for (const first of firstBytes) {
        assert.ok(first.apiKeys.includes(SASL_HANDSHAKE));
        assert.ok(first.text.includes(wire), `${setting} is sent as ${wire}`);
      }
    }
  });

  test('a connection’s own security wins over the environment', async () => {
    Object.assign(process.env, { KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' });
    const connection: KafkaConnection = {
      brokers,
      clientId: 'explicit',
      security: { sasl: { mechanism: 'scram-sha-256', username: 'v', password: 'q' } },
    };
    await useEveryClient(connection);
    assert.ok(firstBytes.length >= 4);
    for (const first of firstBytes) assert.match(first.text, /SCRAM-SHA-256/);
  });

  test('KAFKA_TLS=true: every client opens with a TLS handshake carrying the broker’s name (SNI)', async () => {
    process.env.KAFKA_TLS = 'true';
    await useEveryClient({ brokers, clientId: 'env-tls' });
    assert.ok(firstBytes.length >= 4, `connections were opened (${firstBytes.length})`);
    for (const first of firstBytes) {
      assert.equal(first.tls, true, 'a TLS record, not a Kafka request');
      assert.ok(first.text.includes('localhost'), 'the server name goes in the ClientHello');
    }
  });

  test('without the settings, clients neither authenticate nor use TLS (the local broker)', async () => {
    await useEveryClient({ brokers, clientId: 'plain-text' });
    assert.ok(firstBytes.length >= 4);
    for (const first of firstBytes) {
      assert.equal(first.tls, false);
      assert.ok(!first.apiKeys.includes(SASL_HANDSHAKE));
    }
  });

  test('the settings are part of every service’s Kafka settings, and a half-given SASL setting stops start-up by name', async () => {
    const read = (env: NodeJS.ProcessEnv) => loadConfig(kafkaSettings, env);
    assert.equal(read({ KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512' }).KAFKA_SASL_MECHANISM, 'scram-sha-512');
    assert.equal(read({}).KAFKA_TLS, false);
    assert.throws(
      () => read({ KAFKA_SASL_MECHANISM: 'gssapi' }),
      (error: unknown) => error instanceof ConfigError && /KAFKA_SASL_MECHANISM/.test(error.message),
    );
    assert.throws(() => read({ KAFKA_TLS: 'maybe' }), /KAFKA_TLS/);
    const connection = { brokers, clientId: 'half' };
    process.env.KAFKA_SASL_MECHANISM = 'scram-sha-512';
    await assert.rejects(
      ensureTopics(connection, ['t'], { partitions: 1, replicationFactor: 1 }),
      /KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are required/,
    );
    delete process.env.KAFKA_SASL_MECHANISM;
    process.env.KAFKA_SASL_USERNAME = 'gateway';
    assert.throws(
      () => new KafkaProducer(connection),
      (error: unknown) => error instanceof ConfigError && /KAFKA_SASL_MECHANISM/.test(error.message),
    );
    assert.equal(firstBytes.length, 0, 'nothing was sent');
  });
});
