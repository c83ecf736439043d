// The sign-in card: phone number, then the one-time code sent by SMS. With sign-in switched off (a demo gateway) the
// phone number alone is enough.
import { api } from './api.js';
import { byId, maskPhoneNumber, setBusy, show } from './format.js';

const minutes = (seconds) => {
  const count = Math.max(1, Math.round(seconds / 60));
  return count === 1 ? '1 minute' : `${count} minutes`;
};

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

  function showPhoneStep() {
    show(phoneForm, true);
    show(otpForm, false);
    otpInput.value = '';
    otpError.textContent = '';
    phoneInput.focus();
  }

  async function requestCode() {
    const { expiresInSeconds } = await api('/auth/otp', { method: 'POST', body: { phoneNumber } });
    otpSent.textContent = `We sent a one-time code to ${maskPhoneNumber(phoneNumber)}. It expires in ${minutes(expiresInSeconds)}.`;
  }

  async function submitPhone(event) {
    event.preventDefault();
    phoneError.textContent = '';
    phoneNumber = phoneInput.value.trim();
    if (!phoneNumber) {
      phoneError.textContent = 'Enter your mobile number.';
      phoneInput.focus();
      return;
    }
    if (!authRequired) return onSignedIn({ phoneNumber, accessToken: null, expiresAt: null });
    setBusy(sendCode, true, 'Sending…');
    try {
      await requestCode();
      show(phoneForm, false);
      show(otpForm, true);
      otpInput.focus();
    } catch (error) {
      phoneError.textContent = error.detail;
      phoneInput.focus();
    } finally {
      setBusy(sendCode, false, 'Sending…');
    }
  }

  async function submitCode(event) {
    event.preventDefault();
    otpError.textContent = '';
    const otp = otpInput.value.trim();
    if (!otp) {
      otpError.textContent = 'Enter the code we sent you by SMS.';
      otpInput.focus();
      return;
    }
    setBusy(signInButton, true, 'Signing in…');
    try {
      const { accessToken, expiresIn } = await api('/auth/token', { method: 'POST', body: { phoneNumber, otp } });
      otpInput.value = '';
      onSignedIn({ phoneNumber, accessToken, expiresAt: Date.now() + expiresIn * 1000 });
    } catch (error) {
      otpError.textContent = error.detail;
      otpInput.select();
      otpInput.focus();
    } finally {
      setBusy(signInButton, false, 'Signing in…');
    }
  }

  async function resendCode() {
    otpError.textContent = '';
    setBusy(resend, true);
    try {
      await requestCode();
      otpInput.focus();
    } catch (error) {
      otpError.textContent = error.detail;
    } finally {
      setBusy(resend, false);
    }
  }

  if (!authRequired) {
    sendCode.textContent = 'Continue';
    byId('sign-in-lead').textContent = 'Demo mode: sign-in is switched off on this server. Enter the mobile number to buy for.';
  }
  phoneForm.addEventListener('submit', submitPhone);
  otpForm.addEventListener('submit', submitCode);
  resend.addEventListener('click', resendCode);
  byId('change-number').addEventListener('click', showPhoneStep);

  return { reset: showPhoneStep };
}
