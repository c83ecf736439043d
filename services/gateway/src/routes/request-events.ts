import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { problem } from '@voucher/platform/http';
import type { OfferToPages } from '../delivery/page-delivery.ts';
import { openEventStream } from '../delivery/sse.ts';
import type { StreamRegistry } from '../delivery/stream-registry.ts';
import type { OwnRequestRouteOptions } from './own-request.ts';
import { bearerSecurity, EventsQuery, RequestParams } from './schemas.ts';

export interface RequestEventsOptions extends OwnRequestRouteOptions {
  registry: StreamRegistry;
  offerToPages: OfferToPages;
}

export const requestEventsRoute: FastifyPluginAsyncTypebox<RequestEventsOptions> = async (app, options) => {
  const { auth, findOwnRequest, registry, offerToPages } = options;
  app.get(
    '/voucher/requests/:requestId/events',
    {
      schema: {
        summary: 'Server-Sent Events for the waiting page',
        description:
          'One final event, then the stream ends: `voucher` {requestId, status: DELIVERED, voucherCode, message} when the code ' +
          'is delivered on the web, `sms` {requestId, status: SENT_BY_SMS, message} when it goes by SMS, `failed` ' +
          '{requestId, status: FAILED, message}. Comments keep the connection alive meanwhile. With sign-in, pass a ' +
          'one-use `ticket` from POST …/stream-ticket (an EventSource cannot send headers) or a bearer header. A ' +
          'customer may hold SSE_MAX_STREAMS_PER_CUSTOMER streams at once (429 beyond); a stream ends after ' +
          'SSE_MAX_LIFETIME_MS without an event, and the page opens a new one.',
        tags: ['vouchers'],
        security: bearerSecurity,
        params: RequestParams,
        querystring: EventsQuery,
      },
      preHandler: auth.requireStreamViewer,
    },
    async (request, reply) => {
      const { requestId, phoneNumber } = await findOwnRequest(request, request.params.requestId);
      // Checked and registered in one tick, so that concurrent opens cannot all slip under the cap.
      if (!registry.mayOpen(phoneNumber)) {
        throw problem.tooManyRequests('Too many event streams are open for this customer; close another page first.', 5);
      }
      const stream = openEventStream(reply);
      // Registered before the first look at the row, so an outcome signalled in between is not missed.
      registry.add(requestId, stream, phoneNumber);
      stream.on('close', () => registry.remove(requestId, stream));
      // Every outcome that may go on the web is announced (voucher_ready) after it is recorded: one recorded before
      // this point is found by the look below, one recorded after reaches this stream through the announcement.
      await offerToPages(requestId).catch((error) => request.log.error({ err: error, requestId }, 'offering an outcome failed'));
    },
  );
};
