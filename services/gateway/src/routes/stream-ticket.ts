import { streamTickets } from '../auth/stream-tickets.ts';
import type { RouteScope, VoucherRouteDeps } from './route-deps.ts';
import { findOwnRequest } from './request-status.ts';
import { bearerSecurity, RequestParams, StreamTicketResponse } from './schemas.ts';

export function streamTicketRoute(app: RouteScope, deps: VoucherRouteDeps): void {
  app.post(
    '/voucher/requests/:requestId/stream-ticket',
    {
      schema: {
        summary: "A one-use ticket for the request's event stream",
        description: 'Keeps bearer tokens out of URLs: the browser opens …/events?ticket=… with it, once, within a minute.',
        tags: ['vouchers'],
        security: bearerSecurity,
        params: RequestParams,
        response: { 201: StreamTicketResponse },
      },
      preHandler: deps.auth.requireCustomer,
    },
    async (request, reply) => {
      const owned = await findOwnRequest(request, request.params.requestId, deps);
      const ticket = await streamTickets.issue(deps.db, owned.requestId, owned.phoneNumber, deps.streamTicketTtlMs, deps.now());
      return reply.code(201).send({ ticket, expiresInSeconds: Math.ceil(deps.streamTicketTtlMs / 1000) });
    },
  );
}
