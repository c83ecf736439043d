import type { FastifyRequest } from 'fastify';
import { problem } from '@voucher/platform/http';
import { customerView } from '../requests/customer-view.ts';
import { lifeCycle, type DeliveryRow } from '../delivery/life-cycle.ts';
import type { RouteScope, VoucherRouteDeps } from './route-deps.ts';
import { bearerSecurity, RequestParams, RequestStatusResponse } from './schemas.ts';

/** Finds the caller's own request: 404 when unknown, 403 when it is another customer's. */
export async function findOwnRequest(request: FastifyRequest, requestId: string, deps: VoucherRouteDeps): Promise<DeliveryRow> {
  const found = await lifeCycle.find(deps.db, requestId);
  if (!found) throw problem.notFound(`No voucher request ${requestId}.`);
  if (!deps.auth.mayActFor(request, found.phoneNumber)) throw problem.forbidden('This voucher request belongs to another customer.');
  return found;
}

export function requestStatusRoute(app: RouteScope, deps: VoucherRouteDeps): void {
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
      preHandler: deps.auth.requireCustomer,
    },
    async (request) => customerView(await findOwnRequest(request, request.params.requestId, deps)),
  );
}
