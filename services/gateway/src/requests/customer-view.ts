import type { DeliveryRow } from '../delivery/life-cycle.ts';

export const PROCESSING_MESSAGE = 'Your request is being processed within 30 seconds';
export const SENT_BY_SMS_MESSAGE = 'Your voucher code has been sent to you by SMS.';
const FAILED_MESSAGE = 'We are sorry: your voucher code could not be issued.';
const ABANDONED_MESSAGE = 'This request was not accepted; nothing was bought.';

export type CustomerStatus = 'PROCESSING' | 'DELIVERED' | 'SENT_BY_SMS' | 'FAILED';

/** What the customer may see of a request: the code itself only once it was delivered on the web. */
export interface CustomerView {
  requestId: string;
  status: CustomerStatus;
  message: string;
  voucherCode?: string;
}

export function customerView(request: DeliveryRow): CustomerView {
  const { requestId } = request;
  switch (request.state) {
    case 'PROCESSING':
    case 'UNCONFIRMED':
    case 'WEB_READY':
    case 'SMS_PENDING':
      return { requestId, status: 'PROCESSING', message: PROCESSING_MESSAGE };
    case 'DELIVERED':
      return { requestId, status: 'DELIVERED', voucherCode: request.voucherCode ?? undefined, message: request.message ?? '' };
    case 'SENT_BY_SMS':
      return { requestId, status: 'SENT_BY_SMS', message: SENT_BY_SMS_MESSAGE };
    case 'FAILED':
      return { requestId, status: 'FAILED', message: request.message || FAILED_MESSAGE };
    case 'ABANDONED':
      return { requestId, status: 'FAILED', message: ABANDONED_MESSAGE };
  }
}

export type PageEventName = 'voucher' | 'sms' | 'failed';

/** The event that ends a page's stream, once the customer has been told the outcome (on this page or elsewhere). */
export function finalPageEvent(request: DeliveryRow): { name: PageEventName; data: CustomerView } | undefined {
  const view = customerView(request);
  if (view.status === 'DELIVERED') return { name: 'voucher', data: view };
  if (view.status === 'SENT_BY_SMS') return { name: 'sms', data: view };
  if (view.status === 'FAILED') return { name: 'failed', data: view };
  return undefined;
}
