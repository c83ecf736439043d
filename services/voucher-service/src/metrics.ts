import type { Metrics } from '@voucher/platform/http';

/** The voucher store's own Prometheus series, beside the HTTP and process ones every service has. */
export function createVoucherMetrics(metrics: Metrics) {
  return {
    stored: metrics.counter('voucher_codes_stored_total', 'Outcomes stored from receive-code, by status', ['status']),
    duplicates: metrics.counter('voucher_duplicates_ignored_total', 'Redelivered receive-code messages whose request was already stored'),
    codeReuse: metrics.counter(
      'voucher_code_reuse_rejected_total',
      'receive-code messages refused because their code already belongs to another request (an anomaly worth an alert)',
    ),
  };
}

export type VoucherMetrics = ReturnType<typeof createVoucherMetrics>;
