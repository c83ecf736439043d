import { fileURLToPath } from 'node:url';
import { openDatabase, type Database } from '@voucher/platform/database';
import { createHttpServer, type HttpServer } from '@voucher/platform/http';
import { boundAddress, startParts, type StartedParts, type Stoppable } from '@voucher/platform/lifecycle';
import type { Logger } from '@voucher/platform/logging';
import { createTokenVerifier, type TokenSource } from './auth/access-tokens.ts';
import { createCustomerAuth } from './auth/customer-auth.ts';
import { startSecurityHousekeeping } from './auth/security-housekeeping.ts';
import { createSignIn, type SignInSettings } from './auth/sign-in.ts';
import type { Config } from './config.ts';
import { startDeliveryWorker } from './delivery/delivery-worker.ts';
import { countUnreportedTexts, startTextedReport } from './delivery/texted-report.ts';
import { lifeCycle } from './delivery/life-cycle.ts';
import { createPageDelivery, type OfferToPages } from './delivery/page-delivery.ts';
import { createOutcomeRecorder } from './delivery/outcome-recorder.ts';
import { StreamRegistry } from './delivery/stream-registry.ts';
import { SEND_WINDOW_MS } from './auth/send-counter.ts';
import { startHousekeeping } from './housekeeping/expired-rows-sweep.ts';
import { countOverdue, startOverdueRequests } from './delivery/overdue-requests.ts';
import { openApi } from './http/openapi.ts';
import { PostgresHitCounter } from './http/postgres-rate-limit-store.ts';
import { SharedHitCounter } from './http/shared-hit-counter.ts';
import { webPage } from './http/web-page.ts';
import { startKafka, type KafkaRuntime } from './kafka/kafka-runtime.ts';
import { createRequestPublisher } from './kafka/request-publisher.ts';
import { createGatewayMetrics, overdueGauges, registerBacklogGauges, unreportedTextsGauges, type GatewayMetrics } from './metrics.ts';
import { VoucherServiceClient } from './listing/voucher-service-client.ts';
import { createRequestAcceptor, type AcceptRequest } from './requests/accept-request.ts';
import { customerRoutes, type CustomerRoutesOptions } from './routes/customer-routes.ts';
import { HttpSmsSender } from './sms/http-sms-sender.ts';
import { supportView, type SupportViewDeps } from './support/support-routes.ts';
import type { SmsSender } from './sms/sms-sender.ts';

export interface GatewayDeps {
  sms?: SmsSender;
  /** The time, in epoch milliseconds, for sign-in (codes, tokens, stream tickets, limits, locks) and rate limits; tests move it. */
  clock?: () => number;
}

export interface RunningGateway extends Stoppable {
  url: string;
  port: number;
  http: HttpServer;
}

const migrationsDir = fileURLToPath(new URL('../migrations', import.meta.url));
/** How stale one replica's view of the others' rate-limit hits may get (SharedHitCounter). */
const RATE_LIMIT_SYNC_MS = 250;
/** How often texts left unreported (a report that failed, another replica's crash) are looked for; texting pokes it. */
const TEXTED_REPORT_POLL_MS = 1_000;

/** The gateway's own database, migrated (tests open a second pool on it to look inside). */
export const openGatewayDatabase = (config: Config): Promise<Database> =>
  openDatabase({
    service: 'gateway',
    migrationsDir,
    url: config.DATABASE_URL,
    schema: config.DATABASE_SCHEMA,
    poolSize: config.DATABASE_POOL_SIZE,
  });

/**
 * Builds and starts the gateway: database, HTTP API, request-code producer, receive-code consumer, housekeeping. Parts
 * stop in reverse: open pages are ended (they reconnect to another replica) and the HTTP server stops first, the
 * database closes last.
 */
export function startGateway(config: Config, parentLogger: Logger, deps: GatewayDeps = {}): Promise<RunningGateway> {
  const logger = parentLogger.child({ replica: config.GATEWAY_REPLICA_ID });
  return startParts(logger, (parts) => assemble(config, logger, parts, deps));
}

/** What the steps of start-up share: the settings, and the parts every other part is built on. */
interface Core {
  config: Config;
  logger: Logger;
  now: () => number;
  db: Database;
  sms: SmsSender;
  voucherService: VoucherServiceClient;
  http: HttpServer;
  metrics: GatewayMetrics;
}

/** The outcome side: pages waiting on this replica and the SMS delivery worker. */
interface Delivery {
  registry: StreamRegistry;
  offerToPages: OfferToPages;
  pokeWorker: () => void;
}

/** The steps of start-up in order; each adds what it starts to `parts`, which close in reverse. */
async function assemble(config: Config, logger: Logger, parts: StartedParts, deps: GatewayDeps): Promise<Omit<RunningGateway, 'close'>> {
  const core = await openCore(config, logger, parts, deps);
  const { db, http } = core;
  const delivery = await startDelivery(core, parts);
  const { kafka, acceptRequest } = startRequests(core, parts, delivery.pokeWorker);
  await http.register(openApi); // before the routes, so it sees them all
  await http.register(webPage, { authRequired: config.AUTH_REQUIRED, webDeadlineMs: config.WEB_DEADLINE_MS });
  await http.register(customerRoutes, customerRoutesOptions(core, parts, acceptRequest, delivery));
  startBackgroundWork(config, db, delivery.pokeWorker, logger).forEach((task) => parts.add(task));
  await http.register(supportView, supportViewOptions(core));
  addReadinessChecks(http, db, kafka);
  return listen(core, parts, delivery.registry);
}

/** The database, the SMS gateway, the voucher service's client, and the HTTP server with its metrics (not listening yet). */
async function openCore(config: Config, logger: Logger, parts: StartedParts, deps: GatewayDeps): Promise<Core> {
  const db = parts.add(await openGatewayDatabase(config));
  const sms = parts.add(deps.sms ?? new HttpSmsSender(config.SMS_URL, config.SMS_TIMEOUT_MS));
  const voucherService = parts.add(
    new VoucherServiceClient(config.VOUCHER_SERVICE_URL, config.VOUCHER_SERVICE_TIMEOUT_MS, config.VOUCHER_SERVICE_TOKEN),
  );
  const http = createHttpServer('gateway', logger, {
    requestTimeout: config.HTTP_REQUEST_TIMEOUT_MS,
    connectionTimeout: config.HTTP_CONNECTION_TIMEOUT_MS,
    trustProxy: config.TRUST_PROXY,
  });
  const metrics = createGatewayMetrics(http.metrics);
  registerBacklogGauges(http.metrics, overdueGauges, () => countOverdue(db));
  registerBacklogGauges(http.metrics, unreportedTextsGauges, () => countUnreportedTexts(db));
  return { config, logger, now: deps.clock ?? Date.now, db, sms, voucherService, http, metrics };
}

/**
 * Outcomes to pages and by SMS: the registry of open pages, offering an outcome to them, the LISTEN on which every
 * replica hears every outcome that may go on the web, the SMS delivery worker, and the report of texted codes to
 * voucher-service (for the listing's channel).
 */
async function startDelivery({ config, logger, db, sms, voucherService, metrics }: Core, parts: StartedParts): Promise<Delivery> {
  const registry = new StreamRegistry(config.SSE_KEEPALIVE_MS, metrics.setOpenStreams, {
    maxPerCustomer: config.SSE_MAX_STREAMS_PER_CUSTOMER,
    maxLifetimeMs: config.SSE_MAX_LIFETIME_MS,
  });
  const offerToPages = createPageDelivery({ db, registry, metrics });
  const offer = (requestId: string) =>
    offerToPages(requestId).catch((error) => logger.error({ err: error, requestId }, 'offering an outcome to a page failed'));
  // A notification missed while the listening connection was down is made up for by offering every waiting page its
  // outcome again once it is back.
  parts.onClose(
    await db.listen(
      lifeCycle.notifyChannel,
      (requestIds) => requestIds.split(',').forEach((requestId) => void offer(requestId)),
      () => {
        for (const requestId of registry.requestIds()) void offer(requestId);
      },
    ),
  );
  const textedReport = parts.add(
    startTextedReport({
      db,
      voucherService,
      pollMs: TEXTED_REPORT_POLL_MS,
      batchSize: config.SMS_BATCH_SIZE,
      retryMaxMs: config.SMS_RETRY_MAX_MS,
      logger,
    }),
  );
  const worker = parts.add(
    startDeliveryWorker({
      db,
      sms,
      metrics,
      logger,
      onTexted: textedReport.poke,
      pollMs: config.DELIVERY_POLL_MS,
      batchSize: config.SMS_BATCH_SIZE,
      leaseMs: 2 * config.SMS_TIMEOUT_MS,
      retryBaseMs: config.SMS_RETRY_BASE_MS,
      retryMaxMs: config.SMS_RETRY_MAX_MS,
    }),
  );
  return { registry, offerToPages, pokeWorker: worker.poke };
}

/** Kafka both ways: each receive-code is recorded (and handed to delivery); accepted requests are published as request-code. */
function startRequests({ config, logger, db, http }: Core, parts: StartedParts, pokeWorker: () => void) {
  const handleReceiveCode = createOutcomeRecorder({ db, handoffMs: config.WEB_HANDOFF_MS, pokeWorker, logger });
  const kafka = parts.add(startKafka(config, logger, handleReceiveCode, http.metrics));
  const publishRequest = createRequestPublisher(kafka.producer, config.KAFKA_NAMESPACE);
  const acceptRequest = parts.add(createRequestAcceptor({ db, publishRequest, deadlineMs: config.WEB_DEADLINE_MS, logger }));
  return { kafka, acceptRequest };
}

/**
 * The customer-facing scope: who the customer is (the gateway's own tokens or an identity provider's), the rate limit
 * shared through PostgreSQL, the voucher routes, and sign-in when the gateway signs its own tokens.
 */
function customerRoutesOptions(
  { config, logger, now, db, sms, voucherService, metrics }: Core,
  parts: StartedParts,
  acceptRequest: AcceptRequest,
  delivery: Delivery,
): CustomerRoutesOptions {
  if (!config.AUTH_REQUIRED) logger.warn('AUTH_REQUIRED=false: voucher routes are open: demo only');
  if (config.LOCAL_DEMO) logger.warn('LOCAL_DEMO=true: missing secrets are random for this process only: never in production');
  const source = tokenSource(config);
  const auth = createCustomerAuth({
    required: config.AUTH_REQUIRED,
    verifyToken: source ? createTokenVerifier(source, now) : verifyNothing,
    db,
    allowedRegions: config.ALLOWED_REGIONS,
    now,
  });
  const hits = parts.add(new SharedHitCounter(new PostgresHitCounter(db), { now, syncMs: RATE_LIMIT_SYNC_MS, logger }));
  const regions = { defaultRegion: config.DEFAULT_REGION, allowedRegions: config.ALLOWED_REGIONS };
  return {
    rateLimit: { counter: hits, perMinute: config.RATE_LIMIT_PER_MINUTE, identify: auth.identify, logger },
    vouchers: {
      db,
      auth,
      acceptRequest,
      offerToPages: delivery.offerToPages,
      registry: delivery.registry,
      metrics,
      voucherService,
      streamTicketTtlMs: config.STREAM_TICKET_TTL_MS,
      defaultRegion: config.DEFAULT_REGION,
      webDeadlineMs: config.WEB_DEADLINE_MS,
      now,
    },
    signIn:
      source?.kind === 'secret'
        ? { signIn: createSignIn({ db, sms, settings: signInSettings(config, source.secret), logger, now }), ...regions }
        : undefined,
  };
}

/** The support view gathers one request's parts from the gateway and from the two services' operations ports. */
function supportViewOptions({ config, db, logger }: Core): SupportViewDeps {
  return {
    db,
    logger,
    staffToken: config.STAFF_TOKEN,
    sources: [
      { service: 'voucher-integration-service', adminUrl: config.INTEGRATION_ADMIN_URL },
      { service: 'voucher-service', adminUrl: config.VOUCHER_SERVICE_ADMIN_URL },
    ],
    timeoutMs: config.SUPPORT_PART_TIMEOUT_MS,
  };
}

/** Ready when the database answers and the receive-code consumer is ready. */
function addReadinessChecks(http: HttpServer, db: Database, kafka: KafkaRuntime): void {
  http.addReadinessCheck('database', async () => void (await db.query('SELECT 1')));
  http.addReadinessCheck('kafka', () => {
    const reason = kafka.consumerNotReady();
    if (reason) throw new Error(reason);
  });
}

/** Listens; on close, open pages are ended before the server stops, so that they reconnect to another replica. */
async function listen(
  { config, logger, http }: Core,
  parts: StartedParts,
  registry: StreamRegistry,
): Promise<Omit<RunningGateway, 'close'>> {
  await http.listen({ port: config.GATEWAY_PORT, host: config.HOST });
  parts.add(http);
  parts.onClose(() => registry.closeAll());
  const { url, port } = boundAddress(http, config.HOST);
  logger.info({ port, url }, 'gateway started');
  return { url, port, http };
}

/** The sweeps every replica runs: overdue requests, then expired rows and security records. */
function startBackgroundWork(config: Config, db: Database, pokeWorker: () => void, logger: Logger): Stoppable[] {
  const batchSize = config.HOUSEKEEPING_BATCH_SIZE;
  return [
    startOverdueRequests({
      db,
      pokeWorker,
      logger,
      graceMs: config.OUTCOME_GRACE_MS,
      intervalMs: config.OVERDUE_SCAN_INTERVAL_MS,
      batchSize,
    }),
    startHousekeeping({
      db,
      logger,
      intervalMs: config.HOUSEKEEPING_INTERVAL_MS,
      batchSize,
      idempotencyKeyTtlMs: config.IDEMPOTENCY_KEY_TTL_MS,
      sendWindowMs: SEND_WINDOW_MS,
    }),
    startSecurityHousekeeping({ db, logger, intervalMs: config.HOUSEKEEPING_INTERVAL_MS, batchSize }),
  ];
}

/** An external provider's JWKS when configured, else the gateway's own secret. */
function tokenSource(config: Config): TokenSource | undefined {
  if (config.AUTH_JWKS_URL && config.AUTH_ISSUER && config.AUTH_AUDIENCE) {
    return { kind: 'jwks', jwksUrl: config.AUTH_JWKS_URL, issuer: config.AUTH_ISSUER, audience: config.AUTH_AUDIENCE };
  }
  // readConfig refuses AUTH_REQUIRED=true without either; an open demo gateway without a secret offers no sign-in.
  return config.AUTH_SECRET ? { kind: 'secret', secret: config.AUTH_SECRET, previousSecret: config.AUTH_SECRET_PREVIOUS } : undefined;
}

const verifyNothing = async () => undefined;

function signInSettings(config: Config, tokenSecret: string): SignInSettings {
  // readConfig refuses a gateway that signs customers in (AUTH_SECRET, no JWKS) without OTP_SECRET.
  if (!config.OTP_SECRET) throw new Error('OTP_SECRET is required when the gateway signs customers in');
  return {
    tokenSecret,
    otpSecret: config.OTP_SECRET,
    otpPreviousSecret: config.OTP_SECRET_PREVIOUS,
    otpTtlMs: config.OTP_TTL_MS,
    maxAttempts: config.OTP_MAX_ATTEMPTS,
    perNumberPerHour: config.OTP_PER_NUMBER_PER_HOUR,
    perAddressPerHour: config.OTP_PER_ADDRESS_PER_HOUR,
    globalPerMinute: config.OTP_GLOBAL_PER_MINUTE,
    lockout: { failures: config.OTP_LOCKOUT_FAILURES, windowMs: config.OTP_LOCKOUT_WINDOW_MS, lockMs: config.OTP_LOCKOUT_MS },
    tokenTtlMs: config.TOKEN_TTL_MS,
  };
}
