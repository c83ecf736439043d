import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { customerView } from '../delivery/customer-view.ts';
import type { OwnRequestRouteOptions } from './own-request.ts';
import { bearerSecurity, RequestParams, RequestStatusResponse } from './schemas.ts';

export interface RequestStatusOptions extends OwnRequestRouteOptions {
  webDeadlineMs: number;
}

export const requestStatusRoute: FastifyPluginAsyncTypebox<RequestStatusOptions> = async (app, options) => {
  app.get(
    '/voucher/requests/:requestId',
    {
      schema: {
        summary: "A voucher request's state",
        description: 'PROCESSING, DELIVERED (with the code), SENT_BY_SMS or FAILED.',
        tags: ['vouchers'],
        security: bearerSecurity,
        params: RequestParams,
        response: { 200: RequestStatusResponse },
      },
      preHandler: options.auth.requireCustomer,
    },
    async (request) => customerView(await options.findOwnRequest(request, request.params.requestId), options.webDeadlineMs),
  );
};
