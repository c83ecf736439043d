import type { DeliveryRow } from '../delivery/life-cycle.ts';

const DEFAULT_FAILURE_TEXT = 'We are sorry: your voucher code could not be issued.';

/** The text that tells the customer the outcome of their request: its message, and the code when there is one. */
export function smsTextFor(request: Pick<DeliveryRow, 'voucherCode' | 'message'>): string {
  if (request.voucherCode) return `${request.message ?? ''} Your voucher code: ${request.voucherCode}`.trim();
  return request.message || DEFAULT_FAILURE_TEXT;
}
