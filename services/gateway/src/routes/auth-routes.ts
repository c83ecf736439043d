import { normalizePhoneNumber } from '@voucher/contracts';
import { OTP_SENT_MESSAGE, type SignIn } from '../auth/sign-in.ts';
import { invalidPhoneNumber } from './customer-number.ts';
import type { RouteScope } from './route-deps.ts';
import { OtpRequestBody, OtpSentResponse, TokenRequestBody, TokenResponse } from './schemas.ts';

function e164Of(raw: string, defaultRegion: string): string {
  const phone = normalizePhoneNumber(raw, defaultRegion);
  if (!phone.ok) throw invalidPhoneNumber(`${phone.reason}.`, 'body');
  return phone.e164;
}

/** Sign-in by a one-time code sent by SMS (served only when the gateway signs its own tokens). */
export function authRoutes(app: RouteScope, { signIn, defaultRegion }: { signIn: SignIn; defaultRegion: string }): void {
  app.post(
    '/auth/otp',
    {
      schema: {
        summary: 'Send a sign-in code by SMS',
        description: 'Rate-limited per phone number and per client address (429 with Retry-After).',
        tags: ['sign-in'],
        body: OtpRequestBody,
        response: { 202: OtpSentResponse },
      },
    },
    async (request, reply) => {
      const { expiresInSeconds } = await signIn.sendCode(e164Of(request.body.phoneNumber, defaultRegion), request.ip);
      return reply.code(202).send({ message: OTP_SENT_MESSAGE, expiresInSeconds });
    },
  );

  app.post(
    '/auth/token',
    {
      schema: {
        summary: 'Exchange the SMS code for an access token',
        description: 'Wrong, expired or missing code: 401; too many wrong attempts: 429 (request a new code).',
        tags: ['sign-in'],
        body: TokenRequestBody,
        response: { 200: TokenResponse },
      },
    },
    async (request) => {
      const issued = await signIn.exchangeCode(e164Of(request.body.phoneNumber, defaultRegion), request.body.otp);
      return { accessToken: issued.accessToken, tokenType: 'Bearer' as const, expiresIn: issued.expiresIn };
    },
  );
}
