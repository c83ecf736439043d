import type { VoucherStatus } from '@voucher/contracts';

/**
 * Where a customer's request stands in the gateway. CODE_READY holds a code offered to the web page; a FAILED row
 * whose customer has not been told yet (notifiedVia null) is likewise waiting for a page or an SMS.
 */
export type RequestState = 'PROCESSING' | 'CODE_READY' | 'DELIVERED' | 'SENT_BY_SMS' | 'FAILED';
export type NotifiedVia = 'WEB' | 'SMS';

export interface VoucherRequest {
  requestId: string;
  phoneNumber: string;
  state: RequestState;
  deadline: Date;
  voucherCode: string | null;
  status: VoucherStatus | null;
  message: string | null;
  notifiedVia: NotifiedVia | null;
  /** When a page first opened the event stream; null while no page has. */
  pageOpenedAt: Date | null;
}

/** The outcome is known but the customer has not been told yet: a page or, failing that, an SMS must tell them. */
export function awaitsNotification(request: VoucherRequest): boolean {
  return request.state === 'CODE_READY' || (request.state === 'FAILED' && request.notifiedVia === null);
}
