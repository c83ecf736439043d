import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { TSchema, Static } from '@sinclair/typebox';
import type { Decoded } from '@voucher/platform/kafka';
import { ReceiveCodeMessage, RequestCodeMessage } from './messages.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const ajv = addFormats(new Ajv({ allErrors: true, strict: true }));

function describe(validate: ValidateFunction): string {
  return (validate.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message}`).join('; ');
}

/** Builds a decoder: UTF-8 JSON that must match `schema` exactly; anything else is refused with the reason. */
export function jsonDecoder<S extends TSchema>(schema: S, extraCheck?: (value: Static<S>) => string | undefined) {
  const validate = ajv.compile(schema);
  return (bytes: Buffer): Decoded<Static<S>> => {
    let value: unknown;
    try {
      value = JSON.parse(bytes.toString('utf8'));
    } catch (error) {
      return { ok: false, reason: `not JSON: ${(error as Error).message}` };
    }
    if (!validate(value)) return { ok: false, reason: `does not match ${schema.$id}: ${describe(validate)}` };
    const problem = extraCheck?.(value as Static<S>);
    return problem ? { ok: false, reason: problem } : { ok: true, value: value as Static<S> };
  };
}

export const decodeRequestCode = jsonDecoder(RequestCodeMessage, (message) =>
  Date.parse(message.deadline) < Date.parse(message.requestedAt) ? 'deadline is before requestedAt' : undefined,
);

export const decodeReceiveCode = jsonDecoder(ReceiveCodeMessage, (message) => {
  if (message.status === 'FAILED' && message.voucherCode !== undefined) return 'a FAILED message carries no voucherCode';
  if (message.status !== 'FAILED' && message.voucherCode === undefined) return `a ${message.status} message needs a voucherCode`;
  return undefined;
});
