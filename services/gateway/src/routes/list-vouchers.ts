import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import type { CustomerAuth } from '../auth/customer-auth.ts';
import type { VoucherServiceClient } from '../listing/voucher-service-client.ts';
import { customerNumber } from './customer-number.ts';
import { bearerSecurity, ListQuery, VoucherPage } from './schemas.ts';

export interface ListVouchersOptions {
  auth: CustomerAuth;
  voucherService: VoucherServiceClient;
  defaultRegion: string;
}

export const listVouchersRoute: FastifyPluginAsyncTypebox<ListVouchersOptions> = async (app, { auth, voucherService, defaultRegion }) => {
  app.get(
    '/voucher',
    {
      schema: {
        summary: "The customer's purchased codes",
        description:
          "Newest first, paginated by `limit` and `cursor` (the previous page's `nextCursor`). National and E.164 forms " +
          "find the same codes. With sign-in, phoneNumber may be omitted (the token's number) and must otherwise be its own. " +
          '`channel` says how the customer actually received each code (WEB: shown on the page, SMS: texted).',
        tags: ['vouchers'],
        security: bearerSecurity,
        querystring: ListQuery,
        response: { 200: VoucherPage },
      },
      preHandler: auth.requireCustomer,
    },
    async (request, reply) => {
      const phoneNumber = customerNumber(request, request.query.phoneNumber, auth, defaultRegion);
      const page = await voucherService.listVouchers({ phoneNumber, limit: request.query.limit, cursor: request.query.cursor });
      // voucher-service wrote the page with this route's schema, the channel each code reached the customer by included
      // (the gateway reports the codes it texted): its bytes are the answer.
      return (reply as FastifyReply).type('application/json; charset=utf-8').send(page);
    },
  );
};
