import { defineErrors } from '@voucher/platform/errors';

/**
 * The gateway's errors (codes GATEWAY_*): whether the same attempt can succeed later, and the status a customer gets
 * when one reaches a route. A `receive-code` handler error that is not retryable dead-letters its record.
 */
export const GatewayErrors = defineErrors('GATEWAY', {
  // The SMS gateway: a 4xx no retry fixes (a malformed message, a refused number), or anything else (retried).
  SMS_REFUSED: { retryable: false },
  SMS_UNAVAILABLE: { retryable: true },

  // Accepting a voucher request.
  REQUEST_NOT_QUEUED: { retryable: true, status: 503, retryAfterSeconds: 5 },
  IDEMPOTENCY_KEY_RELEASED: { retryable: true, status: 409 },

  // The listing, from voucher-service: its 400 is the customer's mistake; anything else is unavailability.
  LISTING_REFUSED: { retryable: false, status: 400 },
  VOUCHER_STORE_UNAVAILABLE: { retryable: true, status: 503, retryAfterSeconds: 5 },

  // Sign-in by a one-time code.
  SIGN_IN_LOCKED: { retryable: true, status: 429 },
  TOO_MANY_CODES_SENT: { retryable: true, status: 429 },
  CODE_NOT_SENT: { retryable: true, status: 503, retryAfterSeconds: 5 },
  NO_PENDING_CODE: { retryable: false, status: 401 },
  CODE_EXPIRED: { retryable: false, status: 401 },
  CODE_WRONG: { retryable: false, status: 401 },
  ATTEMPTS_EXHAUSTED: { retryable: false, status: 429, retryAfterSeconds: 1 },

  // receive-code: an outcome nobody here asked for is dead-lettered; a late code waits for the give-up SMS.
  UNKNOWN_REQUEST: { retryable: false },
  PHONE_NUMBER_MISMATCH: { retryable: false },
  GIVE_UP_SMS_IN_FLIGHT: { retryable: true },
});
