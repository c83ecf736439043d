import { normalizePhoneNumber } from '@voucher/contracts';
import { problem } from '@voucher/platform/http';
import { PROCESSING_MESSAGE } from '../requests/customer-view.ts';
import type { RouteScope, VoucherRouteDeps } from './route-deps.ts';
import { AcceptedResponse, IdempotencyHeaders, PhoneNumberBody, PhoneNumberQuery } from './schemas.ts';

/** A query string decodes `+84...` typed unencoded as ` 84...`; the leading plus is what the customer meant. */
const restorePlus = (value: string) => value.replace(/^ (?=\d)/, '+');

export function postVoucherRoute(app: RouteScope, { acceptRequest, auth, metrics, defaultRegion }: VoucherRouteDeps): void {
  app.post(
    '/voucher',
    {
      schema: {
        summary: 'Buy a voucher code',
        description: 'Queues a request for a voucher code; the code arrives on the events stream or by SMS.',
        querystring: PhoneNumberQuery,
        body: PhoneNumberBody,
        headers: IdempotencyHeaders,
        response: { 202: AcceptedResponse },
      },
      // The seed's `curl -X POST '/voucher?phoneNumber=...'` sends no body at all: validate it as an empty object.
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request, reply) => {
      const fromQuery = request.query.phoneNumber;
      const raw = fromQuery !== undefined ? restorePlus(fromQuery) : request.body?.phoneNumber;
      if (raw === undefined) throw problem.badRequest('phoneNumber is required, in the query string or a JSON body.');
      const phone = normalizePhoneNumber(raw, defaultRegion);
      if (!phone.ok) throw problem.badRequest(`${phone.reason}.`);
      if (!auth.mayActFor(request, phone.e164)) throw problem.forbidden('You may only buy vouchers for your own phone number.');

      const { requestId, created } = await acceptRequest(phone.e164, request.headers['idempotency-key']);
      if (created) metrics.requestAccepted();
      return reply
        .code(202)
        .header('location', `/voucher/requests/${requestId}`)
        .send({ requestId, status: 'PROCESSING' as const, message: PROCESSING_MESSAGE });
    },
  );
}
