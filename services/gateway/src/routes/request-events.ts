import { openEventStream } from '../delivery/sse.ts';
import type { RouteScope, VoucherRouteDeps } from './route-deps.ts';
import { findOwnRequest } from './request-status.ts';
import { bearerSecurity, EventsQuery, RequestParams } from './schemas.ts';

export function requestEventsRoute(app: RouteScope, deps: VoucherRouteDeps): void {
  app.get(
    '/voucher/requests/:requestId/events',
    {
      schema: {
        summary: 'Server-Sent Events for the waiting page',
        description:
          'One final event, then the stream ends: `voucher` {requestId, status: DELIVERED, voucherCode, message} when the code ' +
          'is delivered on the web, `sms` {requestId, status: SENT_BY_SMS, message} when it goes by SMS, `failed` ' +
          '{requestId, status: FAILED, message}. Comments keep the connection alive meanwhile. With sign-in, pass a ' +
          'one-use `ticket` from POST …/stream-ticket (an EventSource cannot send headers) or a bearer header.',
        tags: ['vouchers'],
        security: bearerSecurity,
        params: RequestParams,
        querystring: EventsQuery,
      },
      preHandler: deps.auth.requireStreamViewer,
    },
    async (request, reply) => {
      const { requestId } = await findOwnRequest(request, request.params.requestId, deps);
      const stream = openEventStream(reply);
      // Registered before the first look at the row, so an outcome signalled in between is not missed.
      deps.registry.add(requestId, stream);
      stream.on('close', () => deps.registry.remove(requestId, stream));
      // Every outcome that may go on the web is announced (voucher_ready) after it is recorded: one recorded before
      // this point is found by the look below, one recorded after reaches this stream through the announcement.
      await deps.offerToPages(requestId).catch((error) => request.log.error({ err: error, requestId }, 'offering an outcome failed'));
    },
  );
}
