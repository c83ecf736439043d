import type { RunningGateway } from '../../src/service.ts';
import type { startSmsReceiver } from './sms-receiver.ts';
import { testConfig, waitFor } from './gateway-harness.ts';

export const TEST_AUTH_SECRET = 'gateway-test-secret-0123456789abcdefghijklmnop';

type SmsReceiver = Awaited<ReturnType<typeof startSmsReceiver>>;

/** A gateway config that requires sign-in, sends its SMS to `smsUrl` and allows plenty of OTPs per address. */
export const signInConfig = (smsUrl: string, env: Record<string, string> = {}) =>
  testConfig({
    AUTH_REQUIRED: 'true',
    AUTH_SECRET: TEST_AUTH_SECRET,
    SMS_URL: smsUrl,
    OTP_PER_ADDRESS_PER_HOUR: '100000',
    ...env,
  });

export async function postJson(gateway: RunningGateway, path: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${gateway.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { response, body: (await response.json()) as Record<string, unknown> };
}

export const requestOtp = (gateway: RunningGateway, phoneNumber: string) => postJson(gateway, '/auth/otp', { phoneNumber });

/** The 6-digit code in the newest SMS sent to `e164` after `sentBefore` messages. */
export async function otpFromSms(sms: SmsReceiver, e164: string, sentBefore: number): Promise<string> {
  const message = await waitFor(() => sms.to(e164)[sentBefore], 'the sign-in SMS');
  const otp = /\b(\d{6})\b/.exec(message.text)?.[1];
  if (!otp) throw new Error(`no 6-digit code in "${message.text}"`);
  return otp;
}

/** Signs in as `phoneNumber` the way a customer does: OTP by SMS, then the token. */
export async function signIn(gateway: RunningGateway, sms: SmsReceiver, phoneNumber: string, e164: string): Promise<string> {
  const sentBefore = sms.to(e164).length;
  const sent = await requestOtp(gateway, phoneNumber);
  if (sent.response.status !== 202) throw new Error(`POST /auth/otp answered ${sent.response.status}`);
  const otp = await otpFromSms(sms, e164, sentBefore);
  const token = await postJson(gateway, '/auth/token', { phoneNumber, otp });
  if (token.response.status !== 200) throw new Error(`POST /auth/token answered ${token.response.status}`);
  return String(token.body.accessToken);
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
