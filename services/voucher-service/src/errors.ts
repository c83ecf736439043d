import { defineErrors } from '@voucher/platform/errors';

/** voucher-service's errors (codes VOUCHER_SERVICE_*); a `receive-code` handler error that is not retryable dead-letters its record. */
export const VoucherServiceErrors = defineErrors('VOUCHER_SERVICE', {
  /** A code must never be given to two customers: an outcome whose code another request has is refused for good. */
  CODE_TAKEN: { retryable: false },
});
