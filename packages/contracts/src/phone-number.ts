import { parsePhoneNumberWithError, type CountryCode } from 'libphonenumber-js/max';

export type PhoneResult = { ok: true; e164: string } | { ok: false; reason: string };

/**
 * National (`0909123456`) and E.164 (`+84909123456`) forms name the same customer: both become E.164, also when
 * the `+` arrived unencoded in a query string (as a space). Only numbers
 * that can receive an SMS (mobile, or fixed-or-mobile where a country cannot tell) are accepted.
 */
export function normalizePhoneNumber(input: unknown, defaultRegion: string): PhoneResult {
  if (typeof input !== 'string' || input.trim() === '') return { ok: false, reason: 'phoneNumber is required' };
  if (input.length > 32) return { ok: false, reason: 'phoneNumber is too long' };
  try {
    // A query string decodes an unencoded `+84...` as ` 84...`; the leading plus is what the customer meant.
    const parsed = parsePhoneNumberWithError(input.replace(/^ (?=\d)/, '+').trim(), defaultRegion as CountryCode);
    if (!parsed.isValid()) return { ok: false, reason: 'phoneNumber is not a valid phone number' };
    const type = parsed.getType();
    if (type !== 'MOBILE' && type !== 'FIXED_LINE_OR_MOBILE') return { ok: false, reason: 'phoneNumber is not a mobile number' };
    return { ok: true, e164: parsed.number };
  } catch {
    return { ok: false, reason: 'phoneNumber is not a valid phone number' };
  }
}
