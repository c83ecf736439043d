import { pino } from 'pino';

/**
 * Fields of an error that carry the values of a statement rather than its shape: PostgreSQL's `detail`
 * (`Key (voucher_code)=(…) already exists`), `where` (the PL/pgSQL context, with arguments), `hint` and
 * `internalQuery`, and the SQL text or parameters other libraries attach. Field-name redaction cannot catch them:
 * `detail` is an everyday key (problem details have one), and the value sits inside a sentence.
 */
const VALUE_FIELDS = new Set([
  'detail',
  'where',
  'hint',
  'internalQuery',
  'query',
  'sql',
  'text',
  'parameters',
  'params',
  'values',
  'bindings',
]);

/** The identifier fields of a PostgreSQL error: names of things, never data. */
const IDENTIFIER_FIELDS = ['constraint', 'table', 'column', 'schema', 'dataType'] as const;

type ErrorLike = Error & Record<string, unknown>;

const isErrorLike = (value: unknown): value is ErrorLike =>
  typeof value === 'object' && value !== null && typeof (value as { message?: unknown }).message === 'string';

/** An error from the PostgreSQL server (pg's DatabaseError): a five-character SQLSTATE and a severity. */
const isDatabaseError = (error: ErrorLike): boolean =>
  typeof error.code === 'string' && /^[0-9A-Z]{5}$/.test(error.code) && typeof error.severity === 'string';

/**
 * A PostgreSQL message without the values it quotes. Class 42 (syntax or access rule) names only things; class 22 (data
 * exception) puts the offending value after a colon (`invalid input syntax for type uuid: "…"`), which is cut; any other
 * quoted text stays only when it is one of the error's own identifiers (its constraint, table, column, schema or type).
 */
function databaseMessage(error: ErrorLike): string {
  const code = error.code as string;
  if (code.startsWith('42')) return error.message;
  let message = error.message;
  if (code.startsWith('22')) message = message.split(': ')[0] ?? message;
  const identifiers = new Set(IDENTIFIER_FIELDS.map((field) => error[field]).filter((value) => typeof value === 'string'));
  return message.replace(/"([^"]*)"/g, (quoted, inner: string) => (identifiers.has(inner) ? quoted : '"[redacted]"'));
}

/**
 * A copy of the error for the log: the same prototype (so the same type name), its message and stack without values,
 * its other enumerable fields except VALUE_FIELDS, and its cause and aggregated errors copied the same way.
 */
function loggable(error: ErrorLike, seen: Map<object, ErrorLike>): ErrorLike {
  const known = seen.get(error);
  if (known) return known;
  const copy = Object.create(Object.getPrototypeOf(error) as object) as ErrorLike;
  seen.set(error, copy);
  const message = isDatabaseError(error) ? databaseMessage(error) : error.message;
  const stack = typeof error.stack === 'string' && message !== error.message ? error.stack.split(error.message).join(message) : error.stack;
  Object.defineProperty(copy, 'message', { value: message, enumerable: false, writable: true });
  Object.defineProperty(copy, 'stack', { value: stack, enumerable: false, writable: true });
  for (const key in error) {
    if (VALUE_FIELDS.has(key) || key === 'message' || key === 'stack') continue;
    const value = error[key];
    const field = isErrorLike(value) ? loggable(value, seen) : Array.isArray(value) ? value.map((item) => copyItem(item, seen)) : value;
    Object.defineProperty(copy, key, { value: field, enumerable: true, writable: true, configurable: true });
  }
  // Non-enumerable on Error instances, but read by pino's serializer (causes are appended to message and stack).
  if (error.cause !== undefined) {
    Object.defineProperty(copy, 'cause', { value: copyItem(error.cause, seen), enumerable: false, writable: true });
  }
  return copy;
}

const copyItem = (item: unknown, seen: Map<object, ErrorLike>) => (isErrorLike(item) ? loggable(item, seen) : item);

/**
 * pino's error serializer (type, message and stack with their causes, aggregated errors, other fields), given a copy
 * of the error from which the values of a failed statement are gone: no PostgreSQL `detail`, `where` or `hint`, no
 * SQL text or parameters, a message without quoted values. What stays tells an operator what failed: the type, the
 * SQLSTATE `code`, the constraint, table and column names, the stack.
 */
export function serializeError(value: unknown): unknown {
  return isErrorLike(value) ? pino.stdSerializers.err(loggable(value, new Map())) : value;
}
