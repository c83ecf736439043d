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
