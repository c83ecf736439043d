import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { normalizePhoneNumber } from '@voucher/contracts';
import { addressKey } from '../http/client-address.ts';
import type { SignIn } from '../auth/sign-in.ts';
import { customerTexts } from '../customer-texts.ts';
import { invalidPhoneNumber, regionNotServed } from './customer-number.ts';
import { OtpRequestBody, OtpSentResponse, TokenRequestBody, TokenResponse } from './schemas.ts';

export interface AuthRoutesOptions {
  signIn: SignIn;
  defaultRegion: string;
  /** Only numbers of these regions get a code: an SMS to anywhere else costs the bank and serves no customer. */
  allowedRegions: readonly string[];
}

function e164Of(raw: string, { defaultRegion, allowedRegions }: AuthRoutesOptions): string {
  const phone = normalizePhoneNumber(raw, defaultRegion);
  if (!phone.ok) throw invalidPhoneNumber(`${phone.reason}.`, 'body');
  if (!allowedRegions.includes(phone.region)) throw regionNotServed(allowedRegions, 'body');
  return phone.e164;
}

/** Sign-in by a one-time code sent by SMS (served only when the gateway signs its own tokens). */
export const authRoutes: FastifyPluginAsyncTypebox<AuthRoutesOptions> = async (app, options) => {
  const { signIn } = options;
  app.post(
    '/auth/otp',
    {
      schema: {
        summary: 'Send a sign-in code by SMS',
        description:
          'Only numbers of the regions the bank serves. Rate-limited per phone number, per client address (IPv6 by /64) ' +
          'and for everyone together (429 with Retry-After); a number locked after too many wrong codes gets 429 too.',
        tags: ['sign-in'],
        body: OtpRequestBody,
        response: { 202: OtpSentResponse },
      },
    },
    async (request, reply) => {
      const { expiresInSeconds } = await signIn.sendCode(e164Of(request.body.phoneNumber, options), addressKey(request.ip));
      return reply.code(202).send({ message: customerTexts.signInCodeSent, expiresInSeconds });
    },
  );

  app.post(
    '/auth/token',
    {
      schema: {
        summary: 'Exchange the SMS code for an access token',
        description:
          'Wrong, expired or missing code: 401; too many wrong attempts at this code: 429 (request a new code); too many ' +
          'wrong codes for this number: 429 until the lock ends (Retry-After).',
        tags: ['sign-in'],
        body: TokenRequestBody,
        response: { 200: TokenResponse },
      },
    },
    async (request) => {
      const issued = await signIn.exchangeCode(e164Of(request.body.phoneNumber, options), request.body.otp);
      return { accessToken: issued.accessToken, tokenType: 'Bearer' as const, expiresIn: issued.expiresIn };
    },
  );
};
