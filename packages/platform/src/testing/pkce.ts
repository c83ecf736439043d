import { createHash } from 'node:crypto';

/** RFC 7636 S256: the code challenge a code verifier must match, computed apart from the code under test. */
export const s256 = (verifier: string): string => createHash('sha256').update(verifier, 'ascii').digest('base64url');
