import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { listVouchersRoute, type ListVouchersOptions } from './list-vouchers.ts';
import { ownRequestFinder, type OwnRequestOptions } from './own-request.ts';
import { postVoucherRoute, type PostVoucherOptions } from './post-voucher.ts';
import { requestEventsRoute, type RequestEventsOptions } from './request-events.ts';
import { requestStatusRoute, type RequestStatusOptions } from './request-status.ts';
import { streamTicketRoute, type StreamTicketOptions } from './stream-ticket.ts';

/** What the voucher routes need together: each route plugin declares (and is handed) its own part. */
export type VoucherRoutesOptions = PostVoucherOptions &
  ListVouchersOptions &
  OwnRequestOptions &
  Omit<RequestStatusOptions & StreamTicketOptions & RequestEventsOptions, 'findOwnRequest'>;

/**
 * The customer's voucher routes; each route names its own sign-in check. The rate limit (per customer or address,
 * shared by the replicas) is registered on their scope before them (customer-routes.ts).
 */
export const voucherRoutes: FastifyPluginAsyncTypebox<VoucherRoutesOptions> = async (app, routeOptions) => {
  // One finder for the three routes that take a requestId: a page's poll and its stream's open share its statements.
  const options = { ...routeOptions, findOwnRequest: ownRequestFinder(routeOptions) };
  await app.register(postVoucherRoute, options);
  await app.register(listVouchersRoute, options);
  await app.register(requestStatusRoute, options);
  await app.register(streamTicketRoute, options);
  await app.register(requestEventsRoute, options);
};
