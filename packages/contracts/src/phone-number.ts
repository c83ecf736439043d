import { isSupportedCountry, parsePhoneNumberWithError, type CountryCode } from 'libphonenumber-js/max';

/** True for an ISO 3166 region code whose numbers can be read (`VN`); for validating region settings. */
export const isKnownRegion = (region: string): boolean => isSupportedCountry(region);

/** `region` is the ISO 3166 country the number belongs to (`VN`), for the gateway's ALLOWED_REGIONS. */
export type PhoneResult = { ok: true; e164: string; region: string } | { ok: false; reason: string };

/**
 * Control (Cc) and format (Cf) characters: a right-to-left override, zero-width spaces, a byte-order mark, a soft
 * hyphen, newlines. They are invisible or reorder what a person reads, so a number holding one looks like another.
 */
const CONTROL_OR_FORMAT = /[\p{Cc}\p{Cf}]/u;
/** Decimal digits of any script but ASCII (fullwidth ０-９, Arabic-Indic ٠-٩ …), which the parser would quietly fold. */
const NON_ASCII_DIGIT = /(?![0-9])\p{Nd}/u;

/**
 * National (`0909123456`) and E.164 (`+84909123456`) forms name the same customer: both become E.164, also when
 * the `+` arrived unencoded in a query string (as a space). Only numbers
 * that can receive an SMS (mobile, or fixed-or-mobile where a country cannot tell) are accepted. Invisible characters
 * and digits of other scripts are refused before anything is normalised: what is accepted is what a person sees.
 * Never throws: any input gives an E.164 number or a reason.
 */
export function normalizePhoneNumber(input: unknown, defaultRegion: string): PhoneResult {
  if (typeof input !== 'string' || input.trim() === '') return { ok: false, reason: 'phoneNumber is required' };
  if (input.length > 32) return { ok: false, reason: 'phoneNumber is too long' };
  if (CONTROL_OR_FORMAT.test(input)) return { ok: false, reason: 'phoneNumber contains control or formatting characters' };
  if (NON_ASCII_DIGIT.test(input)) return { ok: false, reason: 'phoneNumber may only use the digits 0-9' };
  try {
    // A query string decodes an unencoded `+84...` as ` 84...`; the leading plus is what the customer meant.
    const parsed = parsePhoneNumberWithError(input.replace(/^ (?=\d)/, '+').trim(), defaultRegion as CountryCode);
    // With the full metadata a number has a type only if it is valid, so the usual case (a mobile number) matches the
    // number's patterns once; isValid() would match them all again. It is asked only to word a refusal.
    const type = parsed.country && parsed.getType();
    if (type === 'MOBILE' || type === 'FIXED_LINE_OR_MOBILE') return { ok: true, e164: parsed.number, region: parsed.country! };
    if (!parsed.country || !parsed.isValid()) return { ok: false, reason: 'phoneNumber is not a valid phone number' };
    return { ok: false, reason: 'phoneNumber is not a mobile number' };
  } catch {
    return { ok: false, reason: 'phoneNumber is not a valid phone number' };
  }
}
