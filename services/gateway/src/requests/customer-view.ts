import type { VoucherRequest } from './voucher-request.ts';

export const PROCESSING_MESSAGE = 'Your request is being processed within 30 seconds';
export const SENT_BY_SMS_MESSAGE = 'Your voucher code has been sent to you by SMS.';
const FAILED_MESSAGE = 'We are sorry: your voucher code could not be issued.';

export type CustomerStatus = 'PROCESSING' | 'DELIVERED' | 'SENT_BY_SMS' | 'FAILED';

/** What the customer may see of a request: the code itself only once it was delivered on the web. */
export interface CustomerView {
  requestId: string;
  status: CustomerStatus;
  message: string;
  voucherCode?: string;
}

export function customerView(request: VoucherRequest): CustomerView {
  const { requestId } = request;
  switch (request.state) {
    case 'PROCESSING':
    case 'CODE_READY':
      return { requestId, status: 'PROCESSING', message: PROCESSING_MESSAGE };
    case 'DELIVERED':
      return { requestId, status: 'DELIVERED', voucherCode: request.voucherCode ?? undefined, message: request.message ?? '' };
    case 'SENT_BY_SMS':
      return { requestId, status: 'SENT_BY_SMS', message: SENT_BY_SMS_MESSAGE };
    case 'FAILED':
      return { requestId, status: 'FAILED', message: request.message || FAILED_MESSAGE };
  }
}

export type PageEventName = 'voucher' | 'sms' | 'failed';

/** The event that ends a page's stream, once the customer has been told the outcome (on this page or elsewhere). */
export function finalPageEvent(request: VoucherRequest): { name: PageEventName; data: CustomerView } | undefined {
  if (request.notifiedVia === null) return undefined;
  const view = customerView(request);
  if (view.status === 'DELIVERED') return { name: 'voucher', data: view };
  if (view.status === 'SENT_BY_SMS') return { name: 'sms', data: view };
  if (view.status === 'FAILED') return { name: 'failed', data: view };
  return undefined;
}
