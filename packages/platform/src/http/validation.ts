import { Ajv, type Options } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler, FastifySchemaValidationError } from 'fastify';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const shared: Options = { allErrors: false, removeAdditional: false, useDefaults: true, strict: false };

/**
 * Query strings, path parameters and headers are text, so their numbers and booleans are coerced from strings. A JSON
 * body is typed already: a number where a string belongs (or the reverse) is a client error, never silently converted.
 */
const forText = addFormats(new Ajv({ ...shared, coerceTypes: 'array' }));
const forBody = addFormats(new Ajv({ ...shared, coerceTypes: false }));

export const validatorCompiler: FastifySchemaCompiler<object> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? forBody : forText).compile(schema);

const PLACE = { body: 'body', querystring: 'query', params: 'path', headers: 'header' } as const;

const FORMAT_NAMES: Record<string, string> = {
  uuid: 'a UUID',
  'date-time': 'a date and time (RFC 3339)',
  date: 'a date (YYYY-MM-DD)',
  email: 'an email address',
  uri: 'a URL',
  url: 'a URL',
};

const TYPE_NAMES: Record<string, string> = {
  string: 'text',
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  null: 'null',
};

/** `/a/0/b` and a missing property `c` become `a[0].b.c`; the empty path is the part itself. */
function fieldOf(issue: FastifySchemaValidationError): string {
  const segments = issue.instancePath
    .split('/')
    .slice(1)
    .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'));
  const missing = issue.params.missingProperty ?? issue.params.additionalProperty;
  if (typeof missing === 'string') segments.push(missing);
  return segments.reduce((path, segment) => (/^\d+$/.test(segment) ? `${path}[${segment}]` : path ? `${path}.${segment}` : segment), '');
}

const plural = (count: unknown, one: string) => `${String(count)} ${one}${count === 1 ? '' : 's'}`;

/** Why the value was refused, as the end of a sentence that starts with its name. */
function reasonOf(issue: FastifySchemaValidationError): string {
  const params = issue.params;
  switch (issue.keyword) {
    case 'required':
      return 'is required';
    case 'additionalProperties':
      return 'is not a known field';
    case 'type':
      return `must be ${String(params.type)
        .split(',')
        .map((type) => TYPE_NAMES[type] ?? type)
        .join(' or ')}`;
    case 'format':
      return `must be ${FORMAT_NAMES[String(params.format)] ?? `in ${String(params.format)} format`}`;
    case 'minLength':
      return params.limit === 1 ? 'must not be empty' : `must be at least ${plural(params.limit, 'character')} long`;
    case 'maxLength':
      return `must be at most ${plural(params.limit, 'character')} long`;
    case 'pattern':
      return 'is not in the expected format';
    case 'minimum':
      return `must be at least ${String(params.limit)}`;
    case 'maximum':
      return `must be at most ${String(params.limit)}`;
    case 'exclusiveMinimum':
      return `must be more than ${String(params.limit)}`;
    case 'exclusiveMaximum':
      return `must be less than ${String(params.limit)}`;
    case 'enum':
      return `must be one of ${(params.allowedValues as unknown[]).map(String).join(', ')}`;
    case 'const':
      return `must be ${String(params.allowedValue)}`;
    case 'minItems':
      return `must have at least ${plural(params.limit, 'item')}`;
    case 'maxItems':
      return `must have at most ${plural(params.limit, 'item')}`;
    default:
      return issue.message ?? 'is not valid';
  }
}

const WHOLE_PART = { body: 'The request body', query: 'The query string', path: 'The path', header: 'The headers' } as const;

/**
 * One entry of a problem's `errors` extension: which input was wrong, where it was, and why, in a sentence. API
 * clients read `field`; people read `detail`.
 */
export interface InvalidParam {
  field: string;
  in?: 'query' | 'path' | 'header' | 'body';
  message: string;
}

/**
 * Schema validation failures as sentences a person can act on ("requestId must be a UUID."), each with the field
 * and where it was, instead of Ajv's schema paths ("params/requestId must match format "uuid"").
 */
export function describeValidation(issues: FastifySchemaValidationError[], context: string | undefined): InvalidParam[] {
  const place = PLACE[context as keyof typeof PLACE];
  return issues.map((issue) => {
    const field = fieldOf(issue);
    const subject = field || (place ? WHOLE_PART[place] : 'The request');
    const reason = !field && place === 'body' && issue.keyword === 'type' ? 'must be a JSON object' : reasonOf(issue);
    return { field: field || (place ?? ''), ...(place ? { in: place } : {}), message: `${subject} ${reason}.` };
  });
}
