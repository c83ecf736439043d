import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import type { ReceiveCodeMessage, RequestCodeMessage } from '@voucher/contracts';
import { createLogger } from '@voucher/platform/logging';
import { freePort, s256, uniqueNamespace, waitFor } from '@voucher/platform/testing';
import { readConfig } from '../../src/config.ts';
import type { OutcomePublisher } from '../../src/receive-code-publisher.ts';
import { vpsCallbackPath } from '../../src/vps/callback-url.ts';
import { startIntegrationService, type IntegrationService } from '../../src/service.ts';
import { FakeVps } from './fake-vps.ts';
import { KafkaProbe } from './kafka-probe.ts';

export const phoneNumber = '+84909123456';

/**
 * A running service wired to a fake VPS and a Kafka probe, all in a Kafka namespace and a database schema of its own:
 * nothing one harness leaves behind (a CALLING row of a call cut short, an outbox record) is seen by another.
 */
export interface Harness {
  service: IntegrationService;
  vps: FakeVps;
  kafka: KafkaProbe;
  /** The URL the VPS calls back; it stays the same across restarts (one port for every instance). */
  callbackUrl: string;
  /** While true, the outbox relay's publishes to receive-code fail, as they do while the broker is unreachable. */
  brokerDown: boolean;
  /** The database schema of this harness (DATABASE_SCHEMA). */
  schema: string;
  /** Stops the service (as a redeploy does); the VPS's calls to it are then refused. */
  stop(): Promise<void>;
  /**
   * Waits until nothing more is on its way to receive-code for `requestId`: no record of it waits in the outbox (the
   * only place the service publishes from), and the probe has read everything the service published. A test counts
   * what was published after this, instead of waiting to see whether more comes.
   */
  quiet(requestId: string): Promise<void>;
  /** Waits for the request's receive-code record, then for quiet(), and asserts it was the only one. */
  onlyOutcome(requestId: string): Promise<ReceiveCodeMessage>;
  /** Waits until the VPS's acknowledgement is in: the request's row is PENDING (its challenge stored). Returns the row. */
  challengeStored(requestId: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Starts a new instance on the same port, namespace and database. */
  start(): Promise<void>;
  /** stop() then start(). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** A schema name of its own for each harness or store test (DATABASE_SCHEMA). */
export const uniqueSchema = () => `vis_${randomUUID().replaceAll('-', '').slice(0, 16)}`;

/** Starts everything with tiny timings; `overrides` are environment variables as the process would read them. */
export async function startHarness(overrides: Record<string, string> = {}): Promise<Harness> {
  const namespace = uniqueNamespace();
  const schema = uniqueSchema();
  const logger = createLogger('integration-test', process.env.TEST_LOG_LEVEL ?? 'silent');
  const vps = new FakeVps();
  await vps.start();
  const port = await freePort(); // one for every instance of the service
  const config = readConfig({
    INTEGRATION_PORT: String(port),
    INTEGRATION_PUBLIC_URL: `http://127.0.0.1:${port}`,
    VPS_URL: vps.url,
    KAFKA_NAMESPACE: namespace,
    KAFKA_TOPIC_PARTITIONS: '2',
    DATABASE_URL: process.env.DATABASE_URL,
    KAFKA_BROKERS: process.env.KAFKA_BROKERS,
    DATABASE_SCHEMA: schema,
    VPS_ACK_AFTER_MS: '100',
    WEB_DEADLINE_MS: '2000',
    VPS_REQUEST_TIMEOUT_MS: '300',
    VPS_MAX_ATTEMPTS: '3',
    VPS_RETRY_BASE_MS: '20',
    VPS_RETRY_MAX_MS: '100',
    CHALLENGE_TTL_MS: '10000',
    SWEEP_INTERVAL_MS: '100',
    CONSUMER_CONCURRENCY: '200',
    OUTBOX_RETRY_BASE_MS: '20',
    OUTBOX_RETRY_MAX_MS: '200',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...overrides,
  });
  const kafka = new KafkaProbe(config.KAFKA_BROKERS, namespace, logger);
  const wrapPublisher = (publisher: OutcomePublisher): OutcomePublisher => ({
    publish: (messages) => (harness.brokerDown ? Promise.reject(new Error('broker unavailable (test)')) : publisher.publish(messages)),
  });
  const launch = () => startIntegrationService(config, logger, { wrapPublisher });
  let running = true;
  const harness: Harness = {
    service: await launch(),
    vps,
    kafka,
    callbackUrl: `http://127.0.0.1:${port}${vpsCallbackPath}`,
    brokerDown: false,
    schema,
    async quiet(requestId) {
      const outboxed = 'SELECT 1 FROM outbox WHERE request_id = $1';
      await waitFor(
        async () => (await harness.service.database.query(outboxed, [requestId])).length === 0,
        `${requestId} to leave the outbox`,
      );
      await kafka.caughtUp();
    },
    async onlyOutcome(requestId) {
      const [message] = await waitFor(() => kafka.receivedFor(requestId).length > 0 && kafka.receivedFor(requestId), 'receive-code');
      await harness.quiet(requestId);
      assert.equal(kafka.receivedFor(requestId).length, 1, 'exactly one receive-code message');
      return message!;
    },
    async challengeStored(requestId, timeoutMs) {
      const pending = "SELECT * FROM vps_requests WHERE request_id = $1 AND state = 'PENDING'";
      const [row] = await waitFor(
        async () => {
          const rows = await harness.service.database.query<Record<string, unknown>>(pending, [requestId]);
          return rows.length > 0 && rows;
        },
        'the stored challenge',
        timeoutMs,
      );
      return row!;
    },
    async stop() {
      running = false;
      await harness.service.close();
    },
    async start() {
      harness.service = await launch();
      running = true;
    },
    async restart() {
      await harness.stop();
      await harness.start();
    },
    async close() {
      await kafka.close();
      if (running) await harness.service.close();
      await vps.close();
    },
  };
  await kafka.start();
  return harness;
}

/** A request-code message as the gateway writes it, with a 2 s web deadline that ends `deadlineInMs` from now. */
export function requestCode(deadlineInMs = 2000): RequestCodeMessage {
  const deadline = Date.now() + deadlineInMs;
  return {
    requestId: randomUUID(),
    phoneNumber,
    requestedAt: new Date(deadline - 2000).toISOString(),
    deadline: new Date(deadline).toISOString(),
  };
}

/** A fresh PKCE pair as the VPS would make it. */
export function pkcePair(method: 'S256' | 'plain' = 'S256') {
  const codeVerifier = randomBytes(48).toString('base64url');
  const codeChallenge = method === 'S256' ? s256(codeVerifier) : codeVerifier;
  return { codeVerifier, codeChallenge };
}

export const voucherCode = () => `VC-${randomBytes(6).toString('hex').toUpperCase()}`;

/** Posts a callback as the VPS would; `body` is sent as is when it is a string. */
export async function postCallback(service: IntegrationService, body: unknown) {
  const response = await fetch(`${service.url}/api/voucher-code/vps/response`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return {
    status: response.status,
    type: response.headers.get('content-type') ?? '',
    body: (await response.json()) as Record<string, unknown>,
  };
}
