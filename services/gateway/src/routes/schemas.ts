import { Type } from '@sinclair/typebox';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '@voucher/contracts';

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

/** OpenAPI: the route takes `Authorization: Bearer <accessToken>` when AUTH_REQUIRED=true. */
export const bearerSecurity = [{ bearerAuth: [] }];

export const ListQuery = Type.Object({
  phoneNumber: Type.Optional(phoneNumber),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE, description: `Codes per page (default ${DEFAULT_PAGE_SIZE})` })),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 512, description: 'nextCursor of the previous page' })),
});

/** The customer's page of codes is voucher-service's, passed on (with the channel each code actually went by). */
export { VoucherPage } from '@voucher/contracts';

export const EventsQuery = Type.Object({
  ticket: Type.Optional(
    Type.String({ minLength: 1, maxLength: 128, description: 'A one-use stream ticket (browsers); other clients may send a bearer' }),
  ),
});

export const StreamTicketResponse = Type.Object(
  { ticket: Type.String(), expiresInSeconds: Type.Integer() },
  { description: 'Opens /voucher/requests/{requestId}/events?ticket=… once' },
);

export const OtpRequestBody = Type.Object({ phoneNumber });

export const OtpSentResponse = Type.Object({
  message: Type.String({ examples: ['We sent a sign-in code by SMS.'] }),
  expiresInSeconds: Type.Integer(),
});

export const TokenRequestBody = Type.Object({
  phoneNumber,
  otp: Type.String({ pattern: '^[0-9]{6}$', description: 'The 6-digit code from the SMS' }),
});

export const TokenResponse = Type.Object({
  accessToken: Type.String(),
  tokenType: Type.Literal('Bearer'),
  expiresIn: Type.Integer({ description: 'Seconds' }),
});
