import { createHmac, randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Database } from '@voucher/platform/database';
import { problem } from '@voucher/platform/http';
import type { Logger } from '@voucher/platform/logging';
import type { SmsSender } from '../sms/sms-sender.ts';
import { issueAccessToken, type IssuedToken } from './access-tokens.ts';
import { otpStore, type PendingCode } from './otp-store.ts';
import { countSend } from './send-counter.ts';

export interface SignInSettings {
  secret: string;
  otpTtlMs: number;
  maxAttempts: number;
  perNumberPerHour: number;
  perAddressPerHour: number;
  tokenTtlMs: number;
}

export interface SignInDeps {
  db: Database;
  sms: SmsSender;
  settings: SignInSettings;
  logger: Logger;
}

export const OTP_SENT_MESSAGE = 'We sent a sign-in code by SMS.';

const otpText = (otp: string, ttlMs: number) => {
  const minutes = Math.max(1, Math.round(ttlMs / 60_000));
  return `Your Saigon Bank sign-in code is ${otp}. It expires in ${minutes} minute${minutes === 1 ? '' : 's'}.`;
};

/** What a guess found; decided inside the transaction, answered after it (so a wrong guess's count is committed). */
type Guess = 'none' | 'exhausted' | 'expired' | 'wrong' | 'right';

/**
 * Customer sign-in by a one-time code sent by SMS: `sendCode` issues the code, `exchangeCode` trades it for a
 * short-lived access token. Only a keyed hash of each code is stored, so a database reader cannot sign in.
 */
export function createSignIn({ db, sms, settings, logger }: SignInDeps) {
  const hashOf = (phoneNumber: string, otp: string) => createHmac('sha256', settings.secret).update(`${phoneNumber}:${otp}`).digest();

  async function enforceSendLimits(phoneNumber: string, address: string): Promise<void> {
    const addressWait = await countSend(db, `address:${address}`, settings.perAddressPerHour);
    if (addressWait)
      throw problem.tooManyRequests('Too many sign-in codes were requested from this address; try again later.', addressWait);
    const numberWait = await countSend(db, `number:${phoneNumber}`, settings.perNumberPerHour);
    if (numberWait) throw problem.tooManyRequests('Too many sign-in codes were requested for this number; try again later.', numberWait);
  }

  function judge(pending: PendingCode | undefined, phoneNumber: string, otp: string): Guess {
    if (!pending) return 'none';
    if (pending.attempts >= settings.maxAttempts) return 'exhausted';
    if (pending.expiresAt.getTime() <= Date.now()) return 'expired';
    const guess = hashOf(phoneNumber, otp);
    return guess.length === pending.codeHash.length && timingSafeEqual(guess, pending.codeHash) ? 'right' : 'wrong';
  }

  return {
    async sendCode(phoneNumber: string, address: string): Promise<{ expiresInSeconds: number }> {
      await enforceSendLimits(phoneNumber, address);
      const otp = String(randomInt(0, 1_000_000)).padStart(6, '0');
      await otpStore.replace(db, phoneNumber, hashOf(phoneNumber, otp), new Date(Date.now() + settings.otpTtlMs));
      try {
        await sms.send(phoneNumber, otpText(otp, settings.otpTtlMs), randomUUID());
      } catch (error) {
        logger.error({ err: error, phoneNumber }, 'the sign-in code could not be sent');
        throw problem.unavailable('The sign-in code could not be sent; try again shortly.', 5);
      }
      return { expiresInSeconds: Math.ceil(settings.otpTtlMs / 1000) };
    },

    async exchangeCode(phoneNumber: string, otp: string): Promise<IssuedToken> {
      const guess = await db.transaction(async (tx) => {
        const verdict = judge(await otpStore.lock(tx, phoneNumber), phoneNumber, otp);
        if (verdict === 'wrong') await otpStore.countFailedAttempt(tx, phoneNumber);
        if (verdict === 'right') await otpStore.remove(tx, phoneNumber);
        return verdict;
      });
      if (guess === 'none') throw problem.unauthorized('There is no pending sign-in code for this number; request a new code.');
      if (guess === 'exhausted') throw problem.tooManyRequests('Too many attempts, request a new code.', 1);
      if (guess === 'expired') throw problem.unauthorized('The code has expired; request a new code.');
      if (guess === 'wrong') throw problem.unauthorized('The code is not correct.');
      return issueAccessToken(settings.secret, phoneNumber, settings.tokenTtlMs);
    },
  };
}

export type SignIn = ReturnType<typeof createSignIn>;
