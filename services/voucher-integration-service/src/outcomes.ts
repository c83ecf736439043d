import type { Channel, ReceiveCodeMessage, VoucherStatus } from '@voucher/contracts';

/** What the customer reads for each outcome; the bank's own words, never text from the third party. */
export const customerMessages: Record<VoucherStatus, string> = {
  SUCCESS: 'Thank you for using our services, your voucher code is ready.',
  LATE_SUCCESS: 'Thank you for your patience, your voucher code is ready.',
  FAILED: 'We could not issue your voucher code. You have not been charged; please try again later.',
};

/** The request fields every outcome needs. */
export interface RequestFacts {
  requestId: string;
  phoneNumber: string;
  deadline: Date;
}

/** The web page waits until the deadline; anything later, or late by the VPS's own account, goes by SMS. */
export function channelFor(status: VoucherStatus, deadline: Date, now: Date): Channel {
  return status !== 'LATE_SUCCESS' && now.getTime() <= deadline.getTime() ? 'WEB' : 'SMS';
}

/** The receive-code message for one outcome; a FAILED outcome carries no voucher code. */
export function receiveCodeMessage(request: RequestFacts, status: VoucherStatus, voucherCode: string | undefined, now: Date) {
  const message: ReceiveCodeMessage = {
    requestId: request.requestId,
    phoneNumber: request.phoneNumber,
    status,
    channel: channelFor(status, request.deadline, now),
    message: customerMessages[status],
    issuedAt: now.toISOString(),
  };
  if (status !== 'FAILED') message.voucherCode = voucherCode;
  return message;
}
