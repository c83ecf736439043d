import type { FastifyRequest } from 'fastify';
import { normalizePhoneNumber } from '@voucher/contracts';
import { problem } from '@voucher/platform/http';
import type { CustomerAuth } from '../auth/customer-auth.ts';

/**
 * The E.164 number a voucher route acts for: the one given (national or E.164), else the signed-in customer's.
 * 400 when there is none or it is not a mobile number; 403 when it is not the caller's own.
 */
export function customerNumber(request: FastifyRequest, given: string | undefined, auth: CustomerAuth, defaultRegion: string): string {
  const raw = given ?? auth.callerNumber(request);
  if (raw === undefined) throw problem.badRequest('phoneNumber is required, in the query string or a JSON body.');
  const phone = normalizePhoneNumber(raw, defaultRegion);
  if (!phone.ok) throw problem.badRequest(`${phone.reason}.`);
  if (!auth.mayActFor(request, phone.e164)) throw problem.forbidden('You may only act for your own phone number.');
  return phone.e164;
}
