import { listVouchersRoute } from './list-vouchers.ts';
import { postVoucherRoute } from './post-voucher.ts';
import { requestEventsRoute } from './request-events.ts';
import { requestStatusRoute } from './request-status.ts';
import type { RouteScope, VoucherRouteDeps } from './route-deps.ts';
import { streamTicketRoute } from './stream-ticket.ts';

/**
 * The customer's voucher routes; each route names its own sign-in check. The rate limit (per customer or address,
 * shared by the replicas) is registered on their scope before them (http/rate-limit.ts).
 */
export function voucherRoutes(app: RouteScope, deps: VoucherRouteDeps): void {
  postVoucherRoute(app, deps);
  listVouchersRoute(app, deps);
  requestStatusRoute(app, deps);
  streamTicketRoute(app, deps);
  requestEventsRoute(app, deps);
}
