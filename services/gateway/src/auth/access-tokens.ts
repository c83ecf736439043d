import { randomUUID } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify, SignJWT, type JWTPayload } from 'jose';

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

/** Signs a short-lived HS256 token whose subject is the customer's E.164 number. */
export async function issueAccessToken(secret: string, phoneNumber: string, ttlMs: number): Promise<IssuedToken> {
  const expiresIn = Math.max(1, Math.ceil(ttlMs / 1000));
  const accessToken = await new SignJWT({})
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(phoneNumber)
    .setIssuer(GATEWAY_ISSUER)
    .setAudience(GATEWAY_AUDIENCE)
    .setJti(randomUUID())
    .setIssuedAt()
    // Milliseconds, not whole seconds, so a tiny TOKEN_TTL_MS really is tiny (tests).
    .setExpirationTime(new Date(Date.now() + ttlMs))
    .sign(encodeSecret(secret));
  return { accessToken, expiresIn };
}

/** Where tokens come from: the gateway's own secret, or an external identity provider's published keys. */
export type TokenSource = { kind: 'secret'; secret: string } | { kind: 'jwks'; jwksUrl: string; issuer: string; audience: string };

/** The customer's number: OIDC's `phone_number` claim when an external provider sets it, else the subject. */
function phoneNumberOf(payload: JWTPayload): string | undefined {
  const claim = typeof payload.phone_number === 'string' ? payload.phone_number : payload.sub;
  return claim?.startsWith('+') ? claim : undefined;
}

export function createTokenVerifier(source: TokenSource): VerifyToken {
  const verify =
    source.kind === 'secret'
      ? (token: string) =>
          jwtVerify(token, encodeSecret(source.secret), { issuer: GATEWAY_ISSUER, audience: GATEWAY_AUDIENCE, algorithms: ['HS256'] })
      : verifyWithJwks(source.jwksUrl, source.issuer, source.audience);
  return async (token) => {
    try {
      return phoneNumberOf((await verify(token)).payload);
    } catch {
      return undefined; // expired, tampered, wrong key or issuer: all simply "not signed in"
    }
  };
}

function verifyWithJwks(jwksUrl: string, issuer: string, audience: string) {
  const keys = createRemoteJWKSet(new URL(jwksUrl));
  return (token: string) => jwtVerify(token, keys, { issuer, audience });
}
