// The sign-in card: phone number, then the one-time code sent by SMS. With sign-in switched off (a demo gateway) the
// phone number alone is enough.
import { api } from './api.js';
import { byId, setBusy, setFieldError, show } from './format.js';
import { customerMessage, isAboutInput, texts } from './messages.js';

export function createSignIn({ authRequired, onSignedIn }) {
  const phoneForm = byId('phone-form');
  const phoneInput = byId('phone-input');
  const phoneError = byId('phone-error');
  const sendCode = byId('send-code');
  const otpForm = byId('otp-form');
  const otpInput = byId('otp-input');
  const otpError = byId('otp-error');
  const otpSent = byId('otp-sent');
  const signInButton = byId('sign-in');
  const resend = byId('resend-code');
  let phoneNumber = '';

  const phoneProblem = (text) => setFieldError(phoneInput, phoneError, text);
  const otpProblem = (text) => setFieldError(otpInput, otpError, text);

  /** Shows a failed call in the page's words; marks the field invalid only when what was typed is the problem. */
  function report(error, action, input, message) {
    if (isAboutInput(error, action)) setFieldError(input, message, customerMessage(error, action));
    else {
      setFieldError(input, message, '');
      message.textContent = customerMessage(error, action);
    }
  }

  function showPhoneStep() {
    show(phoneForm, true);
    show(otpForm, false);
    otpInput.value = '';
    otpProblem('');
    phoneInput.focus();
  }

  async function requestCode() {
    const { expiresInSeconds } = await api('/auth/otp', { method: 'POST', body: { phoneNumber } });
    otpSent.textContent = texts.signIn.codeSent(phoneNumber, expiresInSeconds);
  }

  async function submitPhone(event) {
    event.preventDefault();
    phoneProblem('');
    phoneNumber = phoneInput.value.trim();
    if (!phoneNumber) {
      phoneProblem(texts.signIn.enterNumber);
      phoneInput.focus();
      return;
    }
    if (!authRequired) return onSignedIn({ phoneNumber, accessToken: null, expiresAt: null });
    setBusy(sendCode, true, texts.signIn.sending);
    try {
      await requestCode();
      show(phoneForm, false);
      show(otpForm, true);
      otpInput.focus();
    } catch (error) {
      report(error, 'sendCode', phoneInput, phoneError);
      phoneInput.focus();
    } finally {
      setBusy(sendCode, false, texts.signIn.sending);
    }
  }

  async function submitCode(event) {
    event.preventDefault();
    otpProblem('');
    const otp = otpInput.value.trim();
    if (!otp) {
      otpProblem(texts.signIn.enterCode);
      otpInput.focus();
      return;
    }
    setBusy(signInButton, true, texts.signIn.signingIn);
    try {
      const { accessToken, expiresIn } = await api('/auth/token', { method: 'POST', body: { phoneNumber, otp } });
      otpInput.value = '';
      onSignedIn({ phoneNumber, accessToken, expiresAt: Date.now() + expiresIn * 1000 });
    } catch (error) {
      report(error, 'signIn', otpInput, otpError);
      otpInput.select();
      otpInput.focus();
    } finally {
      setBusy(signInButton, false, texts.signIn.signingIn);
    }
  }

  async function resendCode() {
    otpProblem('');
    setBusy(resend, true);
    try {
      await requestCode();
      otpInput.focus();
    } catch (error) {
      otpError.textContent = customerMessage(error, 'sendCode');
    } finally {
      setBusy(resend, false);
    }
  }

  if (!authRequired) {
    sendCode.textContent = texts.signIn.openAccessSubmit;
    byId('sign-in-lead').textContent = texts.signIn.openAccessLead;
  }
  phoneForm.addEventListener('submit', submitPhone);
  otpForm.addEventListener('submit', submitCode);
  resend.addEventListener('click', resendCode);
  byId('change-number').addEventListener('click', showPhoneStep);
  // Editing a field takes its error back: the customer is fixing it.
  phoneInput.addEventListener('input', () => phoneProblem(''));
  otpInput.addEventListener('input', () => otpProblem(''));

  return { reset: showPhoneStep };
}
