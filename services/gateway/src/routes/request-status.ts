import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { customerView } from '../delivery/customer-view.ts';
import { ownRequestFinder, type OwnRequestOptions } from './own-request.ts';
import { bearerSecurity, RequestParams, RequestStatusResponse } from './schemas.ts';

export interface RequestStatusOptions extends OwnRequestOptions {
  webDeadlineMs: number;
}

export const requestStatusRoute: FastifyPluginAsyncTypebox<RequestStatusOptions> = async (app, options) => {
  const findOwnRequest = ownRequestFinder(options);
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
    async (request) => customerView(await findOwnRequest(request, request.params.requestId), options.webDeadlineMs),
  );
};
