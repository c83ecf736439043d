import { Type } from '@sinclair/typebox';

const phoneNumber = Type.String({
  minLength: 1,
  maxLength: 32,
  description: 'Mobile phone number, national (0909123456) or E.164 (+84909123456)',
  examples: ['0909123456'],
});

export const PhoneNumberQuery = Type.Object({ phoneNumber: Type.Optional(phoneNumber) });
export const PhoneNumberBody = Type.Object({ phoneNumber: Type.Optional(phoneNumber) }, { description: 'Used when the query has none' });

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 128,
      pattern: '^[\\x20-\\x7E]+$',
      description: 'Makes retries safe: a retry with the same key and phone number gets the first answer',
    }),
  ),
});

export const RequestParams = Type.Object({ requestId: Type.String({ format: 'uuid', description: 'The id answered by POST /voucher' }) });

const status = Type.Union([Type.Literal('PROCESSING'), Type.Literal('DELIVERED'), Type.Literal('SENT_BY_SMS'), Type.Literal('FAILED')], {
  description: 'PROCESSING until the customer is told; then DELIVERED (on the web page), SENT_BY_SMS or FAILED',
});

export const AcceptedResponse = Type.Object(
  {
    requestId: Type.String({ format: 'uuid' }),
    status: Type.Literal('PROCESSING'),
    message: Type.String({ examples: ['Your request is being processed within 30 seconds'] }),
  },
  { description: 'The request is queued; follow Location (or its /events stream) for the outcome' },
);

export const RequestStatusResponse = Type.Object(
  {
    requestId: Type.String({ format: 'uuid' }),
    status,
    message: Type.String(),
    voucherCode: Type.Optional(Type.String({ description: 'Present only when the code was delivered on the web page' })),
  },
  { description: "The request's state" },
);
