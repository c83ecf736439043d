import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { streamTickets } from '../auth/stream-tickets.ts';
import type { Database } from '@voucher/platform/database';
import type { OwnRequestRouteOptions } from './own-request.ts';
import { bearerSecurity, RequestParams, StreamTicketResponse } from './schemas.ts';

export interface StreamTicketOptions extends OwnRequestRouteOptions {
  db: Database;
  streamTicketTtlMs: number;
  /** The time, in epoch milliseconds, tickets are issued at (GatewayDeps.clock). */
  now: () => number;
}

export const streamTicketRoute: FastifyPluginAsyncTypebox<StreamTicketOptions> = async (app, options) => {
  const { db, auth, findOwnRequest, streamTicketTtlMs, now } = options;
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
      preHandler: auth.requireCustomer,
    },
    async (request, reply) => {
      const owned = await findOwnRequest(request, request.params.requestId);
      const ticket = await streamTickets.issue(db, owned.requestId, owned.phoneNumber, streamTicketTtlMs, now());
      return reply.code(201).send({ ticket, expiresInSeconds: Math.ceil(streamTicketTtlMs / 1000) });
    },
  );
};
