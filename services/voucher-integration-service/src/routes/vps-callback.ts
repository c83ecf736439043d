import { isIPv4, type BlockList } from 'node:net';
import rateLimit from '@fastify/rate-limit';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { HttpProblem, problem } from '@voucher/platform/http';
import type { Logger } from '@voucher/platform/logging';
import type { RedeemResult, VpsCallback } from '../callback-redeemer.ts';
import type { IntegrationMetrics } from '../metrics.ts';
import { verify } from '../callback-signature.ts';
import { codeVerifierPattern } from '../pkce.ts';
import { vpsCallbackPath } from '../vps/callback-url.ts';

/** A callback is a few hundred bytes; anything much larger is refused before it is read. */
const bodyLimit = 8 * 1024;

const CallbackBody = Type.Object({
  codeVerifier: Type.String({ pattern: codeVerifierPattern }),
  status: Type.Union([Type.Literal('SUCCESS'), Type.Literal('LATE_SUCCESS')]),
  voucherCode: Type.String({ pattern: '^[\\x21-\\x7e]{1,128}$' }),
  message: Type.Optional(Type.String({ maxLength: 1000 })),
});

/** Where signed callbacks' webhook-ids are remembered (PostgreSQL, so that every replica refuses a replay). */
export interface WebhookIds {
  seen(id: string): Promise<boolean>;
  remember(id: string): Promise<void>;
}

export interface VpsCallbackOptions {
  redeem: (callback: VpsCallback) => Promise<RedeemResult>;
  metrics: IntegrationMetrics;
  logger: Logger;
  /** Signature keys (current, then previous): when any is given, every callback must be signed (Standard Webhooks). */
  signatureKeys?: Buffer[];
  webhookIds?: WebhookIds;
  /** Callbacks a minute per source address (in memory, per replica). */
  rateLimitPerMinute?: number;
  /** The addresses callbacks may come from; undefined: anyone. */
  allowedAddresses?: BlockList;
}

/** An IPv4-mapped IPv6 address (`::ffff:10.0.0.1`) is checked as the IPv4 address it is. */
function isAllowed(list: BlockList, ip: string): boolean {
  const mapped = /^::ffff:(.+)$/i.exec(ip)?.[1];
  if (mapped && isIPv4(mapped)) return list.check(mapped, 'ipv4');
  return list.check(ip, isIPv4(ip) ? 'ipv4' : 'ipv6');
}

/** How long the VPS is asked to wait before it calls again (503 answers). */
const retryAfterSeconds = 1;

const outcomeByStatus: Record<number, string> = {
  200: 'accepted',
  400: 'malformed',
  401: 'bad_signature',
  403: 'unknown_verifier',
  409: 'replayed',
  410: 'expired',
  413: 'malformed',
  415: 'malformed',
  429: 'rate_limited',
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
export const vpsCallbackRoutes: FastifyPluginAsyncTypebox<VpsCallbackOptions> = async (scope, deps) => {
  const notYetKnown = new WeakSet<object>();
  const forbidden = new WeakSet<object>();
  scope.addHook('onResponse', async (request, reply) => {
    const outcome = notYetKnown.has(request)
      ? 'not_yet_known'
      : forbidden.has(request)
        ? 'address_refused'
        : (outcomeByStatus[reply.statusCode] ?? 'error');
    deps.metrics.callbacks.inc({ outcome });
  });
  // Cheapest first: an address that is not the VPS's is refused before it counts, before its body is read.
  const allowed = deps.allowedAddresses;
  if (allowed) {
    scope.addHook('onRequest', async (request) => {
      if (isAllowed(allowed, request.ip)) return;
      forbidden.add(request);
      throw problem.forbidden('Callbacks are accepted only from the voucher provider.');
    });
  }
  // Per source address, in memory on each replica: it bounds what one address costs this replica, not the fleet.
  await scope.register(rateLimit, {
    global: true,
    hook: 'onRequest',
    max: deps.rateLimitPerMinute ?? 6000,
    timeWindow: 60_000,
    errorResponseBuilder: (_request, context) =>
      problem.tooManyRequests('Too many callbacks from this address; slow down.', Math.max(1, Math.ceil(context.ttl / 1000))),
  });
  const keys = deps.signatureKeys ?? [];
  if (keys.length > 0) registerSignatureCheck(scope, keys, deps);
  scope.post(vpsCallbackPath, { bodyLimit, schema: { body: CallbackBody } }, async (request) => {
    const result = await redeemOrUnavailable(deps, request.body);
    if (result.outcome === 'not-yet-known') notYetKnown.add(request);
    if (result.outcome !== 'accepted') throw refusals[result.outcome]();
    // Recorded durably, its receive-code record in the outbox: the VPS may stop retrying (also when the code turned
    // out to be another request's and the request was settled FAILED; asking again would not change that).
    deps.logger.info({ requestId: result.requestId, status: result.status }, 'VPS callback accepted');
    return { status: 'ACCEPTED' };
  });
};

/** The raw bytes of each request's body: the signature covers exactly what was sent. */
const rawBodies = new WeakMap<object, Buffer>();

/**
 * Every callback must be signed (Standard Webhooks) with one of `keys`, within the tolerance, under a webhook-id that
 * has not had a final answer yet; otherwise 401 and nothing else happens. The id is remembered once the callback got a
 * final answer (not a 503 or 429, which the VPS retries under the same id with a fresh signature).
 */
function registerSignatureCheck(scope: FastifyInstance, keys: Buffer[], deps: VpsCallbackOptions): void {
  const parseJson = scope.getDefaultJsonParser('error', 'error');
  scope.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit }, (request, body, done) => {
    rawBodies.set(request, body as Buffer);
    parseJson(request, (body as Buffer).toString('utf8'), done);
  });
  const signed = new WeakMap<object, string>();
  scope.addHook('preValidation', async (request) => {
    const verification = verify(keys, request.headers, rawBodies.get(request) ?? Buffer.alloc(0));
    if (!verification.ok) {
      deps.logger.warn({ reason: verification.reason }, 'VPS callback refused: bad signature');
      throw unauthorized(`The callback signature is not valid: ${verification.reason}.`);
    }
    if (await deps.webhookIds?.seen(verification.id)) {
      deps.logger.warn({ webhookId: verification.id }, 'VPS callback refused: webhook-id already used');
      throw unauthorized('This webhook-id has already been used.');
    }
    signed.set(request, verification.id);
  });
  // Before the answer leaves, so that a replay sent the moment it arrives is already refused.
  scope.addHook('onSend', async (request, reply, payload) => {
    const id = signed.get(request);
    if (id === undefined || reply.statusCode === 429 || reply.statusCode >= 500) return payload;
    await deps.webhookIds?.remember(id).catch((error: unknown) => deps.logger.error({ err: error }, 'could not remember a webhook-id'));
    return payload;
  });
}

function unauthorized(detail: string): HttpProblem {
  return new HttpProblem(401, 'Unauthorized', detail);
}

/** A database failure rolled everything back: 503 tells the VPS to call again later. The broker is never waited on here. */
async function redeemOrUnavailable(deps: VpsCallbackOptions, callback: VpsCallback): Promise<RedeemResult> {
  try {
    return await deps.redeem(callback);
  } catch (error) {
    deps.logger.error({ err: error }, 'VPS callback could not be recorded; asking the VPS to retry');
    throw problem.unavailable('The callback could not be recorded; please retry.', retryAfterSeconds);
  }
}
