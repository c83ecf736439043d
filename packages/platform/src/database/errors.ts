/**
 * PostgreSQL's SQLSTATE classes that no retry can fix: 22 (data exception: a value the column cannot hold, such as a
 * timestamp in year 0000) and 23 (integrity constraint violation). Errors of these classes are marked
 * `retryable: false`, the flag the Kafka consumer reads to dead-letter a record instead of retrying it; everything
 * else (a lost connection, a server shutting down, a serialization failure) stays retryable.
 */
const permanentClasses = new Set(['22', '23']);

export function markRetryable(error: unknown): unknown {
  if (error instanceof Error && typeof (error as { code?: unknown }).code === 'string') {
    const code = (error as Error & { code: string }).code;
    Object.assign(error, { retryable: !permanentClasses.has(code.slice(0, 2)) });
  }
  return error;
}

/** Network failures on the way to a dependency, and PostgreSQL's own "not now" answers: the server is away, not wrong. */
const unavailableCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  '53300',
  '57P01',
  '57P02',
  '57P03',
]);

/**
 * True when an error says a dependency (the database, mostly) is unreachable or restarting, rather than that the
 * request or the code is wrong: callers answer 503 with Retry-After instead of 500. pg reports a connection dropped
 * mid-query without a code, so its message is matched too.
 */
export function isUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (unavailableCodes.has(code) || code.startsWith('08'))) return true;
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/.test(error.message);
}
