// Every sentence the page's scripts write, in one place: change the wording here and nowhere else. Texts that never
// change stay in index.html as its markup; the ones here depend on the page's settings or on what happened.
//
// A failed call is told in the page's own words too. The gateway answers RFC 9457 problem details written for
// developers: they name API fields ("phoneNumber is not a valid phone number."). The page never shows them as they
// are; it says what happened, chosen by what the customer was doing and the answer's status.
import { maskPhoneNumber } from './format.js';

const seconds = (ms) => Math.round(ms / 1000);

function minutes(totalSeconds) {
  const count = Math.max(1, Math.round(totalSeconds / 60));
  return count === 1 ? '1 minute' : `${count} minutes`;
}

function later(waitSeconds) {
  if (!waitSeconds) return 'Please try again later.';
  if (waitSeconds < 90) return `Please try again in ${waitSeconds} seconds.`;
  return `Please try again in ${Math.ceil(waitSeconds / 60)} minutes.`;
}

/** The page's words, by the part of the page that shows them and what they are for. A number is always masked. */
export const texts = {
  unreachable: 'We could not reach Saigon Bank. Check your connection and try again.',
  somethingWrong: 'Something went wrong on our side. Please try again in a moment.',
  account: {
    sessionEnded: 'Your session has ended. Please sign in again.',
    signedOut: 'You have signed out.',
    openAccessLabel: 'Open access (sign-in disabled) · buying for',
    changeNumber: 'Change number',
  },
  signIn: {
    openAccessLead: 'Demo mode: sign-in is switched off on this server. Enter the mobile number to buy for.',
    openAccessSubmit: 'Continue',
    enterNumber: 'Enter your mobile number.',
    sending: 'Sending…',
    codeSent: (phoneNumber, expiresInSeconds) =>
      `We sent a one-time code to ${maskPhoneNumber(phoneNumber)}. It expires in ${minutes(expiresInSeconds)}.`,
    enterCode: 'Enter the code we sent you by SMS.',
    signingIn: 'Signing in…',
  },
  purchase: {
    /** The promise above the button, with the deadline the gateway really keeps (webDeadlineMs, /app-config.json). */
    promise: (webDeadlineMs) =>
      `Your code appears here within ${seconds(webDeadlineMs)} seconds. If it takes longer, we send it to your phone by SMS, so it is never lost.`,
    sending: 'Sending your request…',
    retrying: 'The bank is busy; trying again…',
    ready: 'Your voucher code is ready.',
    smsLater: (phoneNumber) => `Your code is taking longer than usual; we will send it to ${maskPhoneNumber(phoneNumber)} by SMS.`,
    smsSent: (phoneNumber) => `Your voucher code has been sent to ${maskPhoneNumber(phoneNumber)} by SMS.`,
    failed: 'We are sorry: your voucher code could not be issued.',
    copy: 'Copy',
    copied: 'Copied',
    copySelected: 'Selected: press Ctrl+C',
  },
  history: {
    loading: 'Loading…',
    empty: 'You have not bought any vouchers yet.',
    badge: { failed: 'Failed', sms: 'By SMS', web: 'On the web' },
  },
};

/** For each thing the customer does: status → words (or a function of the error and the page's settings). */
const FAILURES = {
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
        : `That does not look like a mobile number. Choose "${texts.account.changeNumber}" and enter it again.`,
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
  if (error?.status === 0) return texts.unreachable;
  const failures = FAILURES[action] ?? {};
  const text = failures[error?.status] ?? failures.default ?? texts.somethingWrong;
  return typeof text === 'function' ? text(error, settings) : text;
}

/** Whether the failure is about what the customer typed (so the field is marked invalid), not about the bank. */
export const isAboutInput = (error, action) => error?.status === 400 || (action === 'signIn' && error?.status === 401);
