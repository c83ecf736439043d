/**
 * What a kind of error is, for whoever catches it: `retryable` says whether the same attempt can succeed later (the
 * Kafka consumer dead-letters a message whose handler throws a non-retryable error; everything else is retried), and
 * `status` is the HTTP status a caller gets when the error reaches a route (the platform's error handler answers it as
 * an RFC 9457 problem; an error without one is a 500).
 */
export interface ErrorKind {
  retryable: boolean;
  status?: number;
  /** For a 429 or 503: the Retry-After seconds, unless the thrower gives its own. */
  retryAfterSeconds?: number;
}

export interface AppErrorOptions extends ErrorOptions {
  retryAfterSeconds?: number;
}

/**
 * An error a package throws on purpose, in the manner of @platformatic/kafka's GenericError (`code`, `canRetry`): a
 * stable `code` (`<PACKAGE>_<WHAT>`) to match on instead of the message, and whether retrying can help.
 */
export class AppError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  readonly status: number | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(code: string, message: string, kind: ErrorKind, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? {} : { cause: options.cause });
    this.code = code;
    this.retryable = kind.retryable;
    this.status = kind.status;
    this.retryAfterSeconds = options.retryAfterSeconds ?? kind.retryAfterSeconds;
  }
}

/** Makes one error of its kind; `code` is the kind's code, for hasCode(). */
export type ErrorFactory = ((message: string, options?: AppErrorOptions) => AppError) & { readonly code: string };

/**
 * A package's errors from its table (its `errors.ts`): `defineErrors('GATEWAY', { SMS_REFUSED: { retryable: false } })`
 * gives `.SMS_REFUSED(message)`, an AppError with the code `GATEWAY_SMS_REFUSED`.
 */
export function defineErrors<const Table extends Record<string, ErrorKind>>(
  prefix: string,
  table: Table,
): { readonly [Name in keyof Table]: ErrorFactory } {
  const factories = Object.entries(table).map(([name, kind]) => {
    const code = `${prefix}_${name}`;
    const make = (message: string, options?: AppErrorOptions) => new AppError(code, message, kind, options);
    return [name, Object.assign(make, { code })] as const;
  });
  return Object.fromEntries(factories) as { readonly [Name in keyof Table]: ErrorFactory };
}

/** True when `error` is of the factory's kind (by code, so also for an error that crossed a module boundary). */
export function hasCode(error: unknown, kind: { readonly code: string }): error is AppError {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === kind.code;
}

/**
 * False only when the error itself says so (`retryable: false`: an AppError of such a kind, or a database error that no
 * retry can fix): what an error does not say about itself (a network failure, a timeout, a bug a deploy fixes) is
 * taken as transient.
 */
export function isRetryable(error: unknown): boolean {
  return !(typeof error === 'object' && error !== null && (error as { retryable?: unknown }).retryable === false);
}
