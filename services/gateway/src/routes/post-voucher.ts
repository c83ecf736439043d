import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { CustomerAuth } from '../auth/customer-auth.ts';
import type { GatewayMetrics } from '../metrics.ts';
import type { AcceptRequest } from '../requests/accept-request.ts';
import { customerTexts } from '../customer-texts.ts';
import { customerNumber } from './customer-number.ts';
import { AcceptedResponse, bearerSecurity, IdempotencyHeaders, PhoneNumberBody, PhoneNumberQuery } from './schemas.ts';

export interface PostVoucherOptions {
  acceptRequest: AcceptRequest;
  auth: CustomerAuth;
  metrics: GatewayMetrics;
  defaultRegion: string;
  webDeadlineMs: number;
}

export const postVoucherRoute: FastifyPluginAsyncTypebox<PostVoucherOptions> = async (
  app,
  { acceptRequest, auth, metrics, defaultRegion, webDeadlineMs },
) => {
  app.post(
    '/voucher',
    {
      schema: {
        summary: 'Buy a voucher code',
        description:
          'Queues a request for a voucher code; the code arrives on the events stream or by SMS. With sign-in, the number ' +
          "may be omitted (the token's number is used) and must otherwise be the token's own.",
        tags: ['vouchers'],
        security: bearerSecurity,
        querystring: PhoneNumberQuery,
        body: PhoneNumberBody,
        headers: IdempotencyHeaders,
        response: { 202: AcceptedResponse },
      },
      // The seed's `curl -X POST '/voucher?phoneNumber=...'` sends no body at all: validate it as an empty object.
      preValidation: async (request) => {
        request.body ??= {};
      },
      preHandler: auth.requireCustomer,
    },
    async (request, reply) => {
      const phoneNumber = customerNumber(request, request.query.phoneNumber ?? request.body?.phoneNumber, auth, defaultRegion);
      const { requestId, created } = await acceptRequest(phoneNumber, request.headers['idempotency-key']);
      if (created) metrics.requestAccepted();
      return reply
        .code(202)
        .header('location', `/voucher/requests/${requestId}`)
        .send({ requestId, status: 'PROCESSING' as const, message: customerTexts.processing(webDeadlineMs) });
    },
  );
};
