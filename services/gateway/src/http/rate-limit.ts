import fastifyRateLimit from '@fastify/rate-limit';
import fp from 'fastify-plugin';
import type { FastifyRequest } from 'fastify';
import { problem } from '@voucher/platform/http';
import type { Logger } from '@voucher/platform/logging';
import { addressKey } from './client-address.ts';
import { sharedRateLimitStore, type SharedHitCounter } from './shared-hit-counter.ts';

export interface RateLimitOptions {
  counter: SharedHitCounter;
  perMinute: number;
  /** The signed-in customer's number, when the request carries a valid token. */
  identify: (request: FastifyRequest) => Promise<string | undefined>;
  logger: Logger;
}

/** What a request counts against: its customer when the token is valid, else its address (IPv6 by /64). */
export async function rateLimitKey(request: FastifyRequest, identify: RateLimitOptions['identify']): Promise<string> {
  const customer = await identify(request);
  return customer ? `customer:${customer}` : `address:${addressKey(request.ip)}`;
}

/**
 * Every route of the scope that registers this, added after it, counts against one allowance a minute per customer or
 * address, shared by the replicas through PostgreSQL (@fastify/rate-limit with our store; see SharedHitCounter). Over
 * it: 429 with Retry-After. Counted at onRequest, before the body is read; a bad token counts against the address it
 * came from. Runs in the scope that registers it, so it limits that scope's routes and no others (in a scope of its own
 * it would limit none).
 */
export const rateLimit = fp<RateLimitOptions>(
  async (scope, options) => {
    await scope.register(fastifyRateLimit, {
      global: true,
      hook: 'onRequest',
      max: options.perMinute,
      timeWindow: 60_000,
      store: sharedRateLimitStore(options.counter, options.logger),
      skipOnError: true,
      keyGenerator: (request) => rateLimitKey(request, options.identify),
      errorResponseBuilder: (_request, context) =>
        problem.tooManyRequests('Too many requests from this customer or address; slow down.', Math.max(1, Math.ceil(context.ttl / 1000))),
    });
  },
  { name: 'gateway-rate-limit' },
);
