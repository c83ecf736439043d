// What the customer reads when a call fails. The gateway answers RFC 9457 problem details written for developers:
// they name API fields ("phoneNumber is not a valid phone number."). The page never shows them as they are; it
// says what happened in its own words, chosen by what the customer was doing and the answer's status.

const UNREACHABLE = 'We could not reach Saigon Bank. Check your connection and try again.';
const SOMETHING_WRONG = 'Something went wrong on our side. Please try again in a moment.';

function later(seconds) {
  if (!seconds) return 'Please try again later.';
  if (seconds < 90) return `Please try again in ${seconds} seconds.`;
  return `Please try again in ${Math.ceil(seconds / 60)} minutes.`;
}

/** For each thing the customer does: status → words (or a function of the error and the page's settings). */
const TEXTS = {
  sendCode: {
    400: 'That does not look like a mobile number. Check it and try again, for example 0909 123 456.',
    429: (error) => `Too many codes were requested for this number. ${later(error.retryAfterSeconds)}`,
    503: 'We could not text you a code just now. Please try again in a moment.',
  },
  signIn: {
    400: 'Enter the 6-digit code from the SMS we sent you.',
    401: 'That code did not work, or it has expired. Check the SMS, or send a new code.',
    429: 'Too many attempts with that code. Send a new code and try again.',
  },
  buy: {
    400: (_error, { authRequired }) =>
      authRequired
        ? 'We could not buy for this mobile number. Please sign out and sign in again.'
        : 'That does not look like a mobile number. Choose "Change number" and enter it again.',
    403: 'You can only buy vouchers for your own mobile number. Please sign out and sign in again.',
    409: 'Your previous purchase is still being processed. Please wait a moment and try again.',
    429: (error) => `You have made many requests in a short time. ${later(error.retryAfterSeconds)}`,
    503: 'The bank is busy right now and nothing was bought. Please try again in a moment.',
  },
  history: {
    503: 'Your vouchers cannot be shown right now. Please try again in a moment.',
    default: 'We could not load your vouchers. Please try again later.',
  },
};

/**
 * The customer-facing sentence for a failed call. `action` is one of sendCode, signIn, buy, history; `settings`
 * carries what the words may depend on (authRequired).
 */
export function customerMessage(error, action, settings = {}) {
  if (error?.status === 0) return UNREACHABLE;
  const texts = TEXTS[action] ?? {};
  const text = texts[error?.status] ?? texts.default ?? SOMETHING_WRONG;
  return typeof text === 'function' ? text(error, settings) : text;
}

/** Whether the failure is about what the customer typed (so the field is marked invalid), not about the bank. */
export const isAboutInput = (error, action) => error?.status === 400 || (action === 'signIn' && error?.status === 401);
