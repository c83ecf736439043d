import { customerTexts } from '../customer-texts.ts';
import type { DeliveryRow } from './life-cycle.ts';

export type CustomerStatus = 'PROCESSING' | 'DELIVERED' | 'SENT_BY_SMS' | 'FAILED';

/** What the customer may see of a request: the code itself only once it was delivered on the web. */
export interface CustomerView {
  requestId: string;
  status: CustomerStatus;
  message: string;
  voucherCode?: string;
}

export function customerView(request: DeliveryRow, webDeadlineMs: number): CustomerView {
  return endedView(request) ?? { requestId: request.requestId, status: 'PROCESSING', message: customerTexts.processing(webDeadlineMs) };
}

/** The view of a request the customer has been told the end of; undefined while it is still under way. */
function endedView(request: DeliveryRow): CustomerView | undefined {
  const { requestId } = request;
  switch (request.state) {
    case 'PROCESSING':
    case 'UNCONFIRMED':
    case 'WEB_READY':
    case 'SMS_PENDING':
      return undefined;
    case 'DELIVERED':
      return { requestId, status: 'DELIVERED', voucherCode: request.voucherCode ?? undefined, message: request.message ?? '' };
    case 'SENT_BY_SMS':
      return { requestId, status: 'SENT_BY_SMS', message: customerTexts.sentBySms };
    case 'FAILED':
      return { requestId, status: 'FAILED', message: request.message || customerTexts.failed };
    case 'ABANDONED':
      return { requestId, status: 'FAILED', message: customerTexts.abandoned };
  }
}

export type PageEventName = 'voucher' | 'sms' | 'failed';

/** The event that ends a page's stream, once the customer has been told the outcome (on this page or elsewhere). */
export function finalPageEvent(request: DeliveryRow): { name: PageEventName; data: CustomerView } | undefined {
  const view = endedView(request);
  if (view?.status === 'DELIVERED') return { name: 'voucher', data: view };
  if (view?.status === 'SENT_BY_SMS') return { name: 'sms', data: view };
  if (view?.status === 'FAILED') return { name: 'failed', data: view };
  return undefined;
}
