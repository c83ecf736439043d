import type { FastifyRequest } from 'fastify';
import { normalizePhoneNumber } from '@voucher/contracts';
import { problem } from '@voucher/platform/http';
import type { CustomerAuth } from '../auth/customer-auth.ts';

/** Where a route reads phoneNumber from: a GET has only its query string; a POST also takes a JSON body. */
const WHERE: Record<string, string> = { GET: 'in the query string', POST: 'in the query string or the JSON body' };

/** A 400 about phoneNumber, with the field in the problem's `errors` extension. */
export function invalidPhoneNumber(message: string, place: 'query' | 'body') {
  return problem.invalidParam({ field: 'phoneNumber', in: place, message });
}

/** 400 for a number of a region the gateway does not serve (ALLOWED_REGIONS), e.g. an SMS-pumping target abroad. */
export function regionNotServed(allowedRegions: readonly string[], place: 'query' | 'body') {
  return invalidPhoneNumber(
    `phoneNumber must be a mobile number of ${allowedRegions.join(', ')}; numbers of other regions are not served.`,
    place,
  );
}

/**
 * The E.164 number a voucher route acts for: the one given (national or E.164), else the signed-in customer's.
 * 400 when there is none, it is not a mobile number or not of an allowed region; 403 when it is not the caller's own.
 */
export function customerNumber(request: FastifyRequest, given: string | undefined, auth: CustomerAuth, defaultRegion: string): string {
  const place =
    (request.query as { phoneNumber?: string } | undefined)?.phoneNumber === undefined && request.method !== 'GET' ? 'body' : 'query';
  const raw = given ?? auth.callerNumber(request);
  if (raw === undefined) throw invalidPhoneNumber(`phoneNumber is required ${WHERE[request.method] ?? WHERE.POST}.`, place);
  const phone = normalizePhoneNumber(raw, defaultRegion);
  if (!phone.ok) throw invalidPhoneNumber(`${phone.reason}.`, place);
  if (!auth.servesRegion(phone.region)) throw regionNotServed(auth.allowedRegions, place);
  if (!auth.mayActFor(request, phone.e164)) throw problem.forbidden('You may only act for your own phone number.');
  return phone.e164;
}
