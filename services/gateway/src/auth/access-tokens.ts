import { randomUUID } from 'node:crypto';
import { createRemoteJWKSet, errors, jwtVerify, SignJWT, type JWTPayload, type JWTVerifyResult } from 'jose';

/** The gateway is both issuer and audience of the tokens it signs itself. */
export const GATEWAY_ISSUER = 'voucher-gateway';
export const GATEWAY_AUDIENCE = 'voucher-gateway';

/** Verifies a bearer token; resolves with the E.164 phone number it speaks for, or undefined when it is not valid. */
export type VerifyToken = (token: string) => Promise<string | undefined>;

export interface IssuedToken {
  accessToken: string;
  expiresIn: number;
}

const encodeSecret = (secret: string) => new TextEncoder().encode(secret);
const E164 = /^\+[1-9][0-9]{6,14}$/;

/** Signs a short-lived HS256 token whose subject is the customer's E.164 number, always with the current key. */
export async function issueAccessToken(
  secret: string,
  phoneNumber: string,
  ttlMs: number,
  now: () => number = Date.now,
): Promise<IssuedToken> {
  const expiresIn = Math.max(1, Math.ceil(ttlMs / 1000));
  const issuedAt = now();
  const accessToken = await new SignJWT({})
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(phoneNumber)
    .setIssuer(GATEWAY_ISSUER)
    .setAudience(GATEWAY_AUDIENCE)
    .setJti(randomUUID())
    .setIssuedAt(new Date(issuedAt))
    // Milliseconds, not whole seconds, so a tiny TOKEN_TTL_MS really is tiny (tests).
    .setExpirationTime(new Date(issuedAt + ttlMs))
    .sign(encodeSecret(secret));
  return { accessToken, expiresIn };
}

/**
 * Where tokens come from: the gateway's own key (and, during a rotation, the key before it, still accepted), or an
 * external identity provider's published keys.
 */
export type TokenSource =
  { kind: 'secret'; secret: string; previousSecret?: string } | { kind: 'jwks'; jwksUrl: string; issuer: string; audience: string };

/**
 * The customer's number. An external provider's OIDC `phone_number` claim counts only with `phone_number_verified:
 * true` (a provider may let anyone type any number into a profile); without the claim, the subject. Either must be
 * E.164.
 */
function phoneNumberOf(payload: JWTPayload): string | undefined {
  const claim = 'phone_number' in payload ? (payload.phone_number_verified === true ? payload.phone_number : undefined) : payload.sub;
  return typeof claim === 'string' && E164.test(claim) ? claim : undefined;
}

/**
 * A compact JWS whose three parts are base64url exactly as an encoder writes them. jose also accepts a last character
 * whose spare low bits differ, so one signed token would have several spellings (a token edited in place that still
 * verifies): only the one spelling is taken.
 */
function isCanonicalJws(token: string): boolean {
  const parts = token.split('.');
  return (
    parts.length === 3 &&
    parts.every((part) => /^[A-Za-z0-9_-]+$/.test(part) && Buffer.from(part, 'base64url').toString('base64url') === part)
  );
}

export function createTokenVerifier(source: TokenSource, now: () => number = Date.now): VerifyToken {
  const verify =
    source.kind === 'secret' ? verifyWithSecrets(source, now) : verifyWithJwks(source.jwksUrl, source.issuer, source.audience, now);
  return async (token) => {
    if (!isCanonicalJws(token)) return undefined;
    try {
      return phoneNumberOf((await verify(token)).payload);
    } catch {
      return undefined; // expired, without exp, tampered, wrong key or issuer: all simply "not signed in"
    }
  };
}

/** The current key first; the previous one only for a signature the current key does not make. */
function verifyWithSecrets(source: { secret: string; previousSecret?: string }, now: () => number) {
  const keys = [source.secret, source.previousSecret].filter((key): key is string => key !== undefined).map(encodeSecret);
  return async (token: string): Promise<JWTVerifyResult> => {
    const options = {
      issuer: GATEWAY_ISSUER,
      audience: GATEWAY_AUDIENCE,
      algorithms: ['HS256'],
      requiredClaims: ['exp', 'sub'],
      currentDate: new Date(now()),
    };
    for (const [index, key] of keys.entries()) {
      try {
        return await jwtVerify(token, key, options);
      } catch (error) {
        const last = index === keys.length - 1;
        if (last || !(error instanceof errors.JWSSignatureVerificationFailed)) throw error;
      }
    }
    throw new Error('no key'); // unreachable: keys always holds the current key
  };
}

function verifyWithJwks(jwksUrl: string, issuer: string, audience: string, now: () => number) {
  const keys = createRemoteJWKSet(new URL(jwksUrl));
  // A token without an expiry would be a key for life: refused, whatever the provider issues.
  return (token: string) => jwtVerify(token, keys, { issuer, audience, requiredClaims: ['exp'], currentDate: new Date(now()) });
}
