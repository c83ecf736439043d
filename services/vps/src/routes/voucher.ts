import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { VPS_REQUEST_PATH } from '@voucher/contracts';
import { HttpProblem, problem } from '@voucher/platform/http';
import type { Faults } from '../faults.ts';
import { isAllowedCallback } from '../security.ts';
import type { Scheduler } from '../scheduler/scheduler.ts';
import type { Stats } from '../stats.ts';
import type { VoucherIssuer } from '../vouchers/issuer.ts';

export interface VoucherRouteOptions {
  issuer: VoucherIssuer;
  faults: Faults;
  scheduler: Scheduler;
  stats: Stats;
  timeoutHoldMs: number;
  /** Hosts (`host[:port]`) callbacks may go to; undefined: any (LOCAL_DEMO). */
  allowedCallbackHosts?: string[];
}

const VoucherRequestBody = Type.Object({
  phoneNumber: Type.String({ minLength: 1, maxLength: 64 }),
  callbackUrl: Type.String({ minLength: 1, maxLength: 2048 }),
  requestId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
});

function isHttpUrl(value: string): boolean {
  const url = URL.parse(value);
  return url !== null && (url.protocol === 'http:' || url.protocol === 'https:');
}

/** `POST /api/request/voucher`: the VPS contract, after any injected fault has had its say. */
export const voucherRoutes: FastifyPluginAsyncTypebox<VoucherRouteOptions> = async (
  app,
  { issuer, faults, scheduler, stats, timeoutHoldMs, allowedCallbackHosts },
) => {
  /** A request the VPS "loses": nothing answers until the client gives up or the hold ends and the connection drops. */
  const holdUntilDropped = (request: FastifyRequest, reply: FastifyReply) => {
    reply.hijack();
    scheduler.after(timeoutHoldMs, () => request.raw.socket.destroy());
  };

  app.post(VPS_REQUEST_PATH, { schema: { body: VoucherRequestBody } }, async (request, reply) => {
    stats.requests++;
    if (!isHttpUrl(request.body.callbackUrl)) throw problem.badRequest('callbackUrl must be an http or https URL.');
    // Never a blind request to wherever a caller points: only the bank's callback hosts.
    if (!isAllowedCallback(new URL(request.body.callbackUrl), allowedCallbackHosts)) {
      throw problem.badRequest("callbackUrl is not on this provider's list of allowed callback hosts.");
    }
    const fault = faults.forRequest();
    if (fault === 'error') {
      stats.injectedErrors++;
      throw new HttpProblem(500, 'Internal Server Error', 'Injected fault: the voucher provider failed to process the request.');
    }
    if (fault === 'timeout') {
      stats.injectedTimeouts++;
      holdUntilDropped(request, reply);
      return reply;
    }
    const answer = await issuer.issue(request.body);
    return reply.code(answer.statusCode).send(answer.body);
  });
};
