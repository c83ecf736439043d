import { createHash, timingSafeEqual } from 'node:crypto';

/** RFC 7636 transformations of a code verifier into its code challenge. */
export type TransformMethod = 'S256' | 'plain';
export const transformMethods: readonly TransformMethod[] = ['S256', 'plain'];

/** A code verifier: 43 to 128 unreserved characters (RFC 7636 section 4.1). */
export const codeVerifierPattern = '^[A-Za-z0-9\\-._~]{43,128}$';
/** An S256 challenge is BASE64URL(SHA-256(...)) without padding: always 43 characters. */
const s256ChallengePattern = /^[A-Za-z0-9_-]{43}$/;
/** A plain challenge is the verifier itself. */
const plainChallengePattern = new RegExp(codeVerifierPattern);

export function isWellFormedChallenge(challenge: string, method: TransformMethod): boolean {
  return (method === 'S256' ? s256ChallengePattern : plainChallengePattern).test(challenge);
}

/** t(codeVerifier) for the given method. */
export function transform(verifier: string, method: TransformMethod): string {
  return method === 'S256' ? createHash('sha256').update(verifier, 'ascii').digest('base64url') : verifier;
}

/**
 * What is stored of a challenge: its SHA-256 digest, never the challenge itself (a plain challenge is its own
 * verifier, and an S256 one is what a callback is matched against).
 */
export function challengeDigest(challenge: string): Buffer {
  return createHash('sha256').update(challenge, 'ascii').digest();
}

/** The stored digest a verifier redeems, for each method: SHA-256 of the challenge it gives. */
export function digestsForVerifier(verifier: string): Record<TransformMethod, Buffer> {
  return { S256: challengeDigest(transform(verifier, 'S256')), plain: challengeDigest(transform(verifier, 'plain')) };
}

/** Compares two challenges in constant time, so a forger learns nothing from how long a refusal takes. */
export function challengesMatch(stored: string, computed: string): boolean {
  const a = Buffer.from(stored, 'ascii');
  const b = Buffer.from(computed, 'ascii');
  return a.length === b.length && timingSafeEqual(a, b);
}
