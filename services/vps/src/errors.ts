import { defineErrors } from '@voucher/platform/errors';

/** The VPS simulator's errors (codes VPS_*), with the status its callers are answered. */
export const VpsErrors = defineErrors('VPS', {
  /** A requestId names one request: sent again with another phoneNumber or callbackUrl, it is refused. */
  REQUEST_ID_REUSED: { retryable: false, status: 409 },
});
