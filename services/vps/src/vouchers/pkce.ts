import { createHash, randomBytes } from 'node:crypto';

export const transformMethods = ['S256', 'plain'] as const;
export type TransformMethod = (typeof transformMethods)[number];

/** RFC 7636 §4.1: 32 random octets, base64url-encoded, give a 43-character verifier of unreserved characters. */
export function createCodeVerifier(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * RFC 7636 §4.2: t(codeVerifier). Written here again rather than shared with the bank's verifier on purpose: the
 * simulator stands for a third party, and a shared bug would pass the tests on both sides.
 */
export function codeChallengeFor(codeVerifier: string, method: TransformMethod): string {
  return method === 'S256' ? createHash('sha256').update(codeVerifier, 'ascii').digest('base64url') : codeVerifier;
}
