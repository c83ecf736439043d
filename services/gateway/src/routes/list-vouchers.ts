import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Database } from '@voucher/platform/database';
import type { FastifyReply } from 'fastify';
import type { CustomerAuth } from '../auth/customer-auth.ts';
import { textedRequestsLookup } from '../listing/texted-requests.ts';
import type { VoucherServiceClient } from '../listing/voucher-service-client.ts';
import { customerNumber } from './customer-number.ts';
import { bearerSecurity, ListQuery, VoucherPage } from './schemas.ts';

export interface ListVouchersOptions {
  db: Database;
  auth: CustomerAuth;
  voucherService: VoucherServiceClient;
  defaultRegion: string;
}

export const listVouchersRoute: FastifyPluginAsyncTypebox<ListVouchersOptions> = async (
  app,
  { db, auth, voucherService, defaultRegion },
) => {
  const textedRequests = textedRequestsLookup(db);
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
      const [answer, texted] = await Promise.all([
        voucherService.listVouchers({ phoneNumber, limit: request.query.limit, cursor: request.query.cursor }),
        textedRequests(phoneNumber),
      ]);
      // voucher-service wrote the page with this route's schema: with nothing texted, its bytes are the answer (not
      // parsed and written again).
      if (texted.size === 0) return (reply as FastifyReply).type('application/json; charset=utf-8').send(answer.json);
      const page = answer.page();
      // voucher-service knows the channel the outcome was meant for; only the gateway knows how it was delivered (a
      // WEB code whose page had gone was texted).
      return {
        ...page,
        vouchers: page.vouchers.map((voucher) => (texted.has(voucher.requestId) ? { ...voucher, channel: 'SMS' as const } : voucher)),
      };
    },
  );
};
