import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { problem } from '@voucher/platform/http';
import type { Faults } from '../faults.ts';
import { requireBearer } from '../security.ts';
import type { Scheduler } from '../scheduler/scheduler.ts';
import type { Stats } from '../stats.ts';
import { MAX_LATENCY_MS, trafficProfiles, type Timings, type TrafficProfile } from '../traffic.ts';
import type { VoucherIssuer } from '../vouchers/issuer.ts';

export interface AdminRouteOptions {
  issuer: VoucherIssuer;
  faults: Faults;
  scheduler: Scheduler;
  stats: Stats;
  timings: Timings;
  /** Bearer token every admin route needs; undefined: open (LOCAL_DEMO). */
  adminToken?: string;
}

const rate = () => Type.Optional(Type.Number({ minimum: 0, maximum: 1 }));

const TrafficBody = Type.Object(
  {
    profile: Type.Optional(Type.Unsafe<TrafficProfile>({ type: 'string', enum: [...trafficProfiles] })),
    latencyMs: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_LATENCY_MS })),
  },
  { additionalProperties: false },
);

const FaultsBody = Type.Object(
  {
    errorRate: rate(),
    timeoutRate: rate(),
    duplicateCallbackRate: rate(),
    forgedCallbackRate: rate(),
    failNext: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
  },
  { additionalProperties: false, minProperties: 1 },
);

/** Run-time control of the simulator: traffic profile, fault injection, and what it has done so far. */
export const adminRoutes: FastifyPluginAsyncTypebox<AdminRouteOptions> = async (
  app,
  { issuer, faults, scheduler, stats, timings, adminToken },
) => {
  app.addHook('onRequest', requireBearer(adminToken));
  const describeTraffic = () => ({ ...issuer.traffic, ackAfterMs: timings.ackAfterMs, webDeadlineMs: timings.webDeadlineMs });

  app.get('/admin/traffic', async () => describeTraffic());
  app.put('/admin/traffic', { schema: { body: TrafficBody } }, async (request) => {
    const { profile, latencyMs } = request.body;
    if ((profile === undefined) === (latencyMs === undefined)) throw problem.badRequest('Give exactly one of profile or latencyMs.');
    issuer.traffic = latencyMs === undefined ? { profile: profile as TrafficProfile } : { profile: 'fixed', latencyMs };
    request.log.info({ traffic: issuer.traffic }, 'traffic changed');
    return describeTraffic();
  });

  app.get('/admin/faults', async () => faults.settings);
  app.put('/admin/faults', { schema: { body: FaultsBody } }, async (request) => {
    const settings = faults.update(request.body);
    request.log.info({ faults: settings }, 'faults changed');
    return settings;
  });

  app.get('/admin/stats', async () => ({
    ...stats,
    pending: issuer.awaitingCallback,
    inFlight: issuer.awaitingAnswer,
    scheduledTasks: scheduler.size,
  }));
};
