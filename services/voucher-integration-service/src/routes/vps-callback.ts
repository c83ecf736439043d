import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { HttpProblem, problem, type HttpServer } from '@voucher/platform/http';
import type { Logger } from '@voucher/platform/logging';
import type { RedeemResult, VpsCallback } from '../callback-redeemer.ts';
import type { IntegrationMetrics } from '../metrics.ts';
import { codeVerifierPattern } from '../pkce.ts';

export const vpsCallbackPath = '/api/voucher-code/vps/response';

/** A callback is a few hundred bytes; anything much larger is refused before it is read. */
const bodyLimit = 8 * 1024;

const CallbackBody = Type.Object({
  codeVerifier: Type.String({ pattern: codeVerifierPattern }),
  status: Type.Union([Type.Literal('SUCCESS'), Type.Literal('LATE_SUCCESS')]),
  voucherCode: Type.String({ pattern: '^[\\x21-\\x7e]{1,128}$' }),
  message: Type.Optional(Type.String({ maxLength: 1000 })),
});

export interface VpsCallbackDeps {
  redeem: (callback: VpsCallback) => Promise<RedeemResult>;
  metrics: IntegrationMetrics;
  logger: Logger;
}

/** How long the VPS is asked to wait before it calls again (503 answers). */
const retryAfterSeconds = 1;

const outcomeByStatus: Record<number, string> = {
  200: 'accepted',
  400: 'malformed',
  403: 'unknown_verifier',
  409: 'replayed',
  410: 'expired',
  413: 'malformed',
  415: 'malformed',
  503: 'unavailable',
};

/** Why a callback that proves nothing (yet) is refused; none of them changes anything. */
const refusals: Record<Exclude<RedeemResult['outcome'], 'accepted'>, () => HttpProblem> = {
  unknown: () => problem.forbidden('The code verifier does not match any pending request.'),
  // The callback may have overtaken the acknowledgement it belongs to (or this service restarted between the two):
  // retryable, so that the VPS calls again once the challenge is stored.
  'not-yet-known': () => problem.unavailable('The code verifier does not match any pending request yet; please retry.', retryAfterSeconds),
  replayed: () => problem.conflict('This code verifier has already been used.'),
  expired: () => new HttpProblem(410, 'Gone', 'The request this code verifier belongs to has expired.'),
};

/** `POST /api/voucher-code/vps/response`: the VPS delivers a late code, proving with its PKCE verifier who it is. */
export function registerVpsCallbackRoute(app: HttpServer, deps: VpsCallbackDeps): void {
  void app.register(async (plugin) => {
    const scope = plugin.withTypeProvider<TypeBoxTypeProvider>();
    const notYetKnown = new WeakSet<object>();
    scope.addHook('onResponse', async (request, reply) => {
      const outcome = notYetKnown.has(request) ? 'not_yet_known' : (outcomeByStatus[reply.statusCode] ?? 'error');
      deps.metrics.callbacks.inc({ outcome });
    });
    scope.post(vpsCallbackPath, { bodyLimit, schema: { body: CallbackBody } }, async (request) => {
      const result = await redeemOrUnavailable(deps, request.body);
      if (result.outcome === 'not-yet-known') notYetKnown.add(request);
      if (result.outcome !== 'accepted') throw refusals[result.outcome]();
      // Recorded durably, its receive-code record in the outbox: the VPS may stop retrying (also when the code turned
      // out to be another request's and the request was settled FAILED; asking again would not change that).
      deps.logger.info({ requestId: result.requestId, status: result.status }, 'VPS callback accepted');
      return { status: 'ACCEPTED' };
    });
  });
}

/** A database failure rolled everything back: 503 tells the VPS to call again later. The broker is never waited on here. */
async function redeemOrUnavailable(deps: VpsCallbackDeps, callback: VpsCallback): Promise<RedeemResult> {
  try {
    return await deps.redeem(callback);
  } catch (error) {
    deps.logger.error({ err: error }, 'VPS callback could not be recorded; asking the VPS to retry');
    throw problem.unavailable('The callback could not be recorded; please retry.', retryAfterSeconds);
  }
}
