import { problem } from '@voucher/platform/http';
import { FixedWindowRateLimiter } from '../http/rate-limiter.ts';
import { listVouchersRoute } from './list-vouchers.ts';
import { postVoucherRoute } from './post-voucher.ts';
import { requestEventsRoute } from './request-events.ts';
import { requestStatusRoute } from './request-status.ts';
import type { RouteScope, VoucherRouteDeps } from './route-deps.ts';
import { streamTicketRoute } from './stream-ticket.ts';

/** The customer's voucher routes, behind the per-address rate limit; each route names its own sign-in check. */
export function voucherRoutes(app: RouteScope, deps: VoucherRouteDeps): void {
  const limiter = new FixedWindowRateLimiter(deps.rateLimitPerMinute);
  app.addHook('onRequest', async (request) => {
    const retryAfter = limiter.hit(request.ip);
    if (retryAfter !== undefined) throw problem.tooManyRequests('Too many requests from this address; slow down.', retryAfter);
  });
  postVoucherRoute(app, deps);
  listVouchersRoute(app, deps);
  requestStatusRoute(app, deps);
  streamTicketRoute(app, deps);
  requestEventsRoute(app, deps);
}
