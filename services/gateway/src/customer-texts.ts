/**
 * Every text the gateway itself shows or sends a customer, in one place: change the wording here and nowhere else.
 * An outcome's `message` is not among them: the integration service writes it and the gateway passes it on as it came
 * (DECISIONS.md).
 */
export const customerTexts = {
  /** The answer to a purchase: the seed's words, with the deadline the gateway really keeps (WEB_DEADLINE_MS). */
  processing: (webDeadlineMs: number) => `Your request is being processed within ${Math.round(webDeadlineMs / 1000)} seconds`,
  sentBySms: 'Your voucher code has been sent to you by SMS.',
  failed: 'We are sorry: your voucher code could not be issued.',
  abandoned: 'This request was not accepted; nothing was bought.',
  overdue: 'We are sorry: we could not get your voucher code from our provider in time. If the code arrives later, we will text it to you.',
  signInCodeSent: 'We sent a sign-in code by SMS.',
  signInCodeSms: (otp: string, ttlMs: number) => {
    const minutes = Math.max(1, Math.round(ttlMs / 60_000));
    return `Your Saigon Bank sign-in code is ${otp}. It expires in ${minutes} minute${minutes === 1 ? '' : 's'}.`;
  },
  /** The SMS that tells a request's outcome: its message, and the code when there is one. */
  outcomeSms: (request: { voucherCode: string | null; message: string | null }) =>
    request.voucherCode
      ? `${request.message ?? ''} Your voucher code: ${request.voucherCode}`.trim()
      : request.message || customerTexts.failed,
};
