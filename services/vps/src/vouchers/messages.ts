/** The VPS's words, exactly as the contract (SPEC.md, "VPS contract") states them. */
export const VpsMessages = {
  ready: 'Thank you for using our services, your voucher code is ready.',
  processing: 'Your request is being processed within 30 seconds',
  late: 'Thank you for your patience, your voucher code is ready.',
} as const;
