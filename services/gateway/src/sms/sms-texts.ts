import type { VoucherRequest } from '../requests/voucher-request.ts';

const DEFAULT_FAILURE_TEXT = 'We are sorry: your voucher code could not be issued.';

/** The text that tells the customer the outcome of their request: the VPS's words, and the code when there is one. */
export function smsTextFor(request: VoucherRequest): string {
  if (request.voucherCode) return `${request.message ?? ''} Your voucher code: ${request.voucherCode}`.trim();
  return request.message || DEFAULT_FAILURE_TEXT;
}
