import { customerNumber } from './customer-number.ts';
import type { RouteScope, VoucherRouteDeps } from './route-deps.ts';
import { bearerSecurity, ListQuery, VoucherPage } from './schemas.ts';

export function listVouchersRoute(app: RouteScope, { auth, voucherService, defaultRegion }: VoucherRouteDeps): void {
  app.get(
    '/voucher',
    {
      schema: {
        summary: "The customer's purchased codes",
        description:
          "Newest first, paginated by `limit` and `cursor` (the previous page's `nextCursor`). National and E.164 forms " +
          "find the same codes. With sign-in, phoneNumber may be omitted (the token's number) and must otherwise be its own.",
        tags: ['vouchers'],
        security: bearerSecurity,
        querystring: ListQuery,
        response: { 200: VoucherPage },
      },
      preHandler: auth.requireCustomer,
    },
    async (request) => {
      const phoneNumber = customerNumber(request, request.query.phoneNumber, auth, defaultRegion);
      return voucherService.listVouchers({ phoneNumber, limit: request.query.limit, cursor: request.query.cursor });
    },
  );
}
