/** The messages of an error, its causes and the errors it aggregates (a Kafka client's MultipleErrors), in one string. */
export function everyMessage(error: unknown, seen = new Set<unknown>()): string {
  if (!error || typeof error !== 'object' || seen.has(error)) return '';
  seen.add(error);
  const { message, cause, errors } = error as { message?: string; cause?: unknown; errors?: unknown[] };
  return [message ?? '', everyMessage(cause, seen), ...(errors ?? []).map((inner) => everyMessage(inner, seen))].join(' | ');
}
