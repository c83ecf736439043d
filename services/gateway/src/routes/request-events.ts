import { openEventStream } from '../delivery/sse.ts';
import type { RouteScope, VoucherRouteDeps } from './route-deps.ts';
import { requestStore } from '../requests/request-store.ts';
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
      // Marked before the first look: an outcome recorded after this sees the page and is announced to it; one
      // recorded before is found by the look below.
      await requestStore.markPageOpened(deps.db, requestId);
      await deps.offerToPages(requestId).catch((error) => request.log.error({ err: error, requestId }, 'offering an outcome failed'));
    },
  );
}
