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

/**
 * The one channel rule, which this service alone applies (the gateway obeys the record's channel and never decides
 * again): an outcome known no later than the request's deadline goes to the web page, which is still waiting for it;
 * one known later goes by SMS. The same for every status: a code (SUCCESS, or LATE_SUCCESS by the VPS's own clock) and
 * a failure alike. "Known" is when the outcome is committed here, not when the broker takes its record.
 */
export function channelFor(deadline: Date, knownAt: Date): Channel {
  return knownAt.getTime() <= deadline.getTime() ? 'WEB' : 'SMS';
}

/** The receive-code message for one outcome known at `now`; a FAILED outcome carries no voucher code. */
export function receiveCodeMessage(request: RequestFacts, status: VoucherStatus, voucherCode: string | undefined, now: Date) {
  const message: ReceiveCodeMessage = {
    requestId: request.requestId,
    phoneNumber: request.phoneNumber,
    status,
    channel: channelFor(request.deadline, now),
    message: customerMessages[status],
    issuedAt: now.toISOString(),
  };
  if (status !== 'FAILED') message.voucherCode = voucherCode;
  return message;
}
