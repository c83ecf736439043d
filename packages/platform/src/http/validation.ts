import { Ajv, type Options } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

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
