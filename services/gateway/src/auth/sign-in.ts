import { createHmac, randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Database } from '@voucher/platform/database';
import type { Logger } from '@voucher/platform/logging';
import { customerTexts } from '../customer-texts.ts';
import { GatewayErrors } from '../errors.ts';
import type { SmsSender } from '../sms/sms-sender.ts';
import { issueAccessToken, type IssuedToken } from './access-tokens.ts';
import { signInLockouts, type LockoutPolicy } from './lockouts.ts';
import { otpStore, type PendingCode } from './otp-store.ts';
import { countSend } from './send-counter.ts';

export interface SignInSettings {
  /** AUTH_SECRET: signs the access tokens. */
  tokenSecret: string;
  /** OTP_SECRET: keys the stored hashes of the codes; OTP_SECRET_PREVIOUS is still accepted during a rotation. */
  otpSecret: string;
  otpPreviousSecret?: string;
  otpTtlMs: number;
  maxAttempts: number;
  perNumberPerHour: number;
  /** Per client address; an IPv6 address counts by its /64 (the caller passes addressKey()). */
  perAddressPerHour: number;
  /** Every replica together, whoever asks: the ceiling on SMS pumping. */
  globalPerMinute: number;
  lockout: LockoutPolicy;
  tokenTtlMs: number;
}

export interface SignInDeps {
  db: Database;
  sms: SmsSender;
  settings: SignInSettings;
  logger: Logger;
  /** The time, in epoch milliseconds; tests move it to see windows and locks end. */
  now?: () => number;
}

const GLOBAL_WINDOW_MS = 60_000;

/** What a guess found; decided inside the transaction, answered after it (so a wrong guess's count is committed). */
type Verdict = 'none' | 'exhausted' | 'expired' | 'wrong' | 'right';
type Guess = { verdict: Verdict } | { verdict: 'locked'; until: Date };

const tooMany = (detail: string, retryAfterSeconds: number) => GatewayErrors.TOO_MANY_CODES_SENT(detail, { retryAfterSeconds });
const secondsUntil = (until: Date, now: number) => Math.max(1, Math.ceil((until.getTime() - now) / 1000));
const lockedError = (until: Date, now: number) => {
  const minutes = Math.max(1, Math.ceil((until.getTime() - now) / 60_000));
  return GatewayErrors.SIGN_IN_LOCKED(
    `Too many wrong codes were tried for this number; sign-in is locked for ${minutes} minute${minutes === 1 ? '' : 's'}.`,
    { retryAfterSeconds: secondsUntil(until, now) },
  );
};

/**
 * Customer sign-in by a one-time code sent by SMS: `sendCode` issues the code, `exchangeCode` trades it for a
 * short-lived access token. Only a keyed hash of each code is stored, so a database reader cannot sign in.
 */
export function createSignIn({ db, sms, settings, logger, now = Date.now }: SignInDeps) {
  const hashOf = (secret: string, phoneNumber: string, otp: string) =>
    createHmac('sha256', secret).update(`${phoneNumber}:${otp}`).digest();
  const sameHash = (a: Buffer, b: Buffer) => a.length === b.length && timingSafeEqual(a, b);

  async function enforceSendLimits(phoneNumber: string, address: string, at: number): Promise<void> {
    const lockedUntil = await signInLockouts.lockedUntil(db, phoneNumber, at);
    if (lockedUntil) throw lockedError(lockedUntil, at);
    const addressWait = await countSend(db, `address:${address}`, settings.perAddressPerHour, at);
    if (addressWait) throw tooMany('Too many sign-in codes were requested from this address; try again later.', addressWait);
    const numberWait = await countSend(db, `number:${phoneNumber}`, settings.perNumberPerHour, at);
    if (numberWait) throw tooMany('Too many sign-in codes were requested for this number; try again later.', numberWait);
    // Counted last, so that requests refused above do not use up everyone's allowance.
    const globalWait = await countSend(db, 'all', settings.globalPerMinute, at, GLOBAL_WINDOW_MS);
    if (globalWait) throw tooMany('Sign-in codes are in great demand right now; try again in a minute.', globalWait);
  }

  /** A code hashed under the previous key (made before a rotation) still matches until it expires. */
  function matches(pending: PendingCode, phoneNumber: string, otp: string): boolean {
    if (sameHash(hashOf(settings.otpSecret, phoneNumber, otp), pending.codeHash)) return true;
    const previous = settings.otpPreviousSecret;
    return previous !== undefined && sameHash(hashOf(previous, phoneNumber, otp), pending.codeHash);
  }

  function judge(pending: PendingCode | undefined, phoneNumber: string, otp: string, at: number): Verdict {
    if (!pending) return 'none';
    if (pending.attempts >= settings.maxAttempts) return 'exhausted';
    if (pending.expiresAt.getTime() <= at) return 'expired';
    return matches(pending, phoneNumber, otp) ? 'right' : 'wrong';
  }

  return {
    async sendCode(phoneNumber: string, address: string): Promise<{ expiresInSeconds: number }> {
      const at = now();
      await enforceSendLimits(phoneNumber, address, at);
      const otp = String(randomInt(0, 1_000_000)).padStart(6, '0');
      await otpStore.replace(db, phoneNumber, hashOf(settings.otpSecret, phoneNumber, otp), new Date(at + settings.otpTtlMs));
      try {
        await sms.send(phoneNumber, customerTexts.signInCodeSms(otp, settings.otpTtlMs), randomUUID());
      } catch (error) {
        logger.error({ err: error, phoneNumber }, 'the sign-in code could not be sent');
        throw GatewayErrors.CODE_NOT_SENT('The sign-in code could not be sent; try again shortly.', { cause: error });
      }
      return { expiresInSeconds: Math.ceil(settings.otpTtlMs / 1000) };
    },

    async exchangeCode(phoneNumber: string, otp: string): Promise<IssuedToken> {
      const at = now();
      const guess = await db.transaction(async (tx): Promise<Guess> => {
        // The code's row lock comes first: it serialises concurrent guesses for the number, and so their counting.
        const pending = await otpStore.lock(tx, phoneNumber);
        const lockedUntil = await signInLockouts.lockedUntil(tx, phoneNumber, at);
        if (lockedUntil) return { verdict: 'locked', until: lockedUntil };
        const verdict = judge(pending, phoneNumber, otp, at);
        if (verdict === 'wrong') {
          await otpStore.countFailedAttempt(tx, phoneNumber);
          const locks = await signInLockouts.recordFailure(tx, phoneNumber, settings.lockout, at);
          if (locks) return { verdict: 'locked', until: locks };
        }
        if (verdict === 'right') {
          await otpStore.remove(tx, phoneNumber);
          await signInLockouts.clear(tx, phoneNumber);
        }
        return { verdict };
      });
      if (guess.verdict === 'locked') throw lockedError(guess.until, at);
      if (guess.verdict === 'none')
        throw GatewayErrors.NO_PENDING_CODE('There is no pending sign-in code for this number; request a new code.');
      if (guess.verdict === 'exhausted') throw GatewayErrors.ATTEMPTS_EXHAUSTED('Too many attempts, request a new code.');
      if (guess.verdict === 'expired') throw GatewayErrors.CODE_EXPIRED('The code has expired; request a new code.');
      if (guess.verdict === 'wrong') throw GatewayErrors.CODE_WRONG('The code is not correct.');
      return issueAccessToken(settings.tokenSecret, phoneNumber, settings.tokenTtlMs, now);
    },
  };
}

export type SignIn = ReturnType<typeof createSignIn>;
