/** Thrown by a handler for a message that can never succeed (retrying is pointless): it goes to the DLQ at once. */
export class PermanentError extends Error {
  /** The flag every error may carry (issue 13): `false` means "this message is bad", so it is dead-lettered. */
  readonly retryable = false;
}

/**
 * True when a handler's error says the message itself is bad: a PermanentError, or any error whose `retryable`
 * property is `false`. Everything else (a broker, database or third party unavailable, a timeout, a bug that a deploy
 * fixes) is transient and retried.
 */
export function isPermanentFailure(error: unknown): boolean {
  if (error instanceof PermanentError) return true;
  return typeof error === 'object' && error !== null && (error as { retryable?: unknown }).retryable === false;
}
