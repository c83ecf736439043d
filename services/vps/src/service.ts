import { Gauge } from 'prom-client';
import { createHttpServer, type HttpServer } from '@voucher/platform/http';
import { boundAddress, startParts } from '@voucher/platform/lifecycle';
import type { Logger } from '@voucher/platform/logging';
import { seededRandom } from '@voucher/platform/random';
import type { Config } from './config.ts';
import { Faults } from './faults.ts';
import { adminRoutes } from './routes/admin.ts';
import { voucherRoutes } from './routes/voucher.ts';
import { Scheduler } from './scheduler/scheduler.ts';
import { createStats } from './stats.ts';
import type { Timings } from './traffic.ts';
import { CallbackSender } from './vouchers/callback-sender.ts';
import { VoucherIssuer, type Job } from './vouchers/issuer.ts';
import { Journal } from './vouchers/journal.ts';
import { RequestMemory } from './vouchers/request-memory.ts';

export interface VpsService {
  url: string;
  port: number;
  http: HttpServer;
  close(): Promise<void>;
}

function timingsFrom(config: Config): Timings {
  const ackAfterMs = config.VPS_ACK_AFTER_MS;
  const lowMaxMs = Math.min(config.VPS_LATENCY_MAX_MS ?? ackAfterMs, ackAfterMs);
  return { ackAfterMs, webDeadlineMs: config.WEB_DEADLINE_MS, lowMinMs: Math.min(config.VPS_LATENCY_MIN_MS, lowMaxMs), lowMaxMs };
}

function registerGauges(http: HttpServer, issuer: VoucherIssuer, scheduler: Scheduler): void {
  const registers = [http.metrics.registry];
  new Gauge({
    name: 'vps_pending_requests',
    help: 'Acknowledged requests whose callback has not been settled',
    registers,
    collect() {
      this.set(issuer.awaitingCallback);
    },
  });
  new Gauge({
    name: 'vps_in_flight_requests',
    help: 'Requests whose HTTP answer is not due yet',
    registers,
    collect() {
      this.set(issuer.awaitingAnswer);
    },
  });
  new Gauge({
    name: 'vps_scheduled_tasks',
    help: 'Answers, callbacks and retries waiting in the scheduler',
    registers,
    collect() {
      this.set(scheduler.size);
    },
  });
}

/** Builds and starts the VPS simulator; `VPS_PORT=0` picks a free port (see `port`). */
export function startVps(config: Config, logger: Logger): Promise<VpsService> {
  return startParts(logger, async (parts) => {
    const http = createHttpServer('vps', logger);
    const scheduler = new Scheduler((error) => logger.error({ err: error }, 'scheduled task failed'));
    const stats = createStats();
    // Profile and fault draws: repeatable with VPS_SEED.
    const random = config.VPS_SEED === undefined ? Math.random : seededRandom(config.VPS_SEED);
    const timings = timingsFrom(config);
    const faults = new Faults(
      {
        errorRate: config.VPS_ERROR_RATE,
        timeoutRate: config.VPS_TIMEOUT_RATE,
        duplicateCallbackRate: config.VPS_DUPLICATE_CALLBACK_RATE,
        forgedCallbackRate: config.VPS_FORGED_CALLBACK_RATE,
        failNext: config.VPS_FAIL_NEXT,
      },
      random,
    );
    const callbacks = new CallbackSender(
      {
        retryWindowMs: config.VPS_CALLBACK_RETRY_WINDOW_MS,
        retryBaseMs: config.VPS_CALLBACK_RETRY_BASE_MS,
        retryMaxMs: config.VPS_CALLBACK_RETRY_MAX_MS,
        timeoutMs: config.VPS_CALLBACK_TIMEOUT_MS,
        connections: config.VPS_CALLBACK_CONNECTIONS,
        signingKey: config.VPS_CALLBACK_SECRET,
      },
      scheduler,
      stats,
      logger,
    );
    parts.add(callbacks);
    parts.onClose(() => scheduler.close()); // before the pool: what is scheduled is dropped, nothing sends on a closed pool
    const journal = new Journal(config.VPS_STATE_FILE);
    const issuer = new VoucherIssuer({
      timings,
      transformMethod: config.VPS_TRANSFORM_METHOD,
      traffic: config.VPS_TRAFFIC,
      faults,
      scheduler,
      callbacks,
      memory: new RequestMemory<Job>(config.VPS_IDEMPOTENCY_TTL_MS, config.VPS_IDEMPOTENCY_MAX_ENTRIES),
      journal,
      random,
      stats,
      logger,
    });
    const remembered = journal.load(config.VPS_IDEMPOTENCY_TTL_MS);
    for (const entry of remembered) issuer.restore(entry);
    if (remembered.length > 0) logger.info({ requests: remembered.length }, 'requests remembered from before the restart');
    registerGauges(http, issuer, scheduler);
    await http.register(voucherRoutes, {
      issuer,
      faults,
      scheduler,
      stats,
      timeoutHoldMs: config.VPS_TIMEOUT_HOLD_MS,
      allowedCallbackHosts: config.VPS_CALLBACK_ALLOWED_HOSTS,
    });
    await http.register(adminRoutes, { issuer, faults, scheduler, stats, timings, adminToken: config.VPS_ADMIN_TOKEN });
    if (config.LOCAL_DEMO && !config.VPS_ADMIN_TOKEN) logger.warn('LOCAL_DEMO=true without VPS_ADMIN_TOKEN: the /admin routes are open');
    if (config.LOCAL_DEMO && !config.VPS_CALLBACK_ALLOWED_HOSTS)
      logger.warn('LOCAL_DEMO=true without VPS_CALLBACK_ALLOWED_HOSTS: callbacks go to any host');
    await http.listen({ port: config.VPS_PORT, host: config.HOST });
    // Closed first: stop taking requests (open ones are cut off), then drop what is scheduled, then the callback pool.
    parts.add(http);
    const { url, port } = boundAddress(http, config.HOST);
    logger.info({ port, url, traffic: config.VPS_TRAFFIC, transformMethod: config.VPS_TRANSFORM_METHOD }, 'VPS simulator listening');
    return { url, port, http };
  });
}
