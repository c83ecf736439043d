import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { rateLimit, type RateLimitOptions } from '../http/rate-limit.ts';
import { authRoutes, type AuthRoutesOptions } from './auth-routes.ts';
import { voucherRoutes, type VoucherRoutesOptions } from './voucher-routes.ts';

export interface CustomerRoutesOptions {
  rateLimit: RateLimitOptions;
  vouchers: VoucherRoutesOptions;
  /** Unset with an external identity provider: customers sign in there, and the gateway signs no tokens of its own. */
  signIn?: AuthRoutesOptions;
}

/**
 * The customer's routes in one scope under one rate limit: the voucher routes, and sign-in when the gateway signs its
 * own tokens. The page, the API reference and the operational routes are outside this scope and are not limited.
 */
export const customerRoutes: FastifyPluginAsyncTypebox<CustomerRoutesOptions> = async (scope, options) => {
  // Before the routes, so that every route of this scope counts against it.
  await scope.register(rateLimit, options.rateLimit);
  await scope.register(voucherRoutes, options.vouchers);
  if (options.signIn) await scope.register(authRoutes, options.signIn);
};
