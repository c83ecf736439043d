import { Type } from '@sinclair/typebox';
import { Channel, E164, RequestId, VoucherStatus } from '../messages.ts';

/**
 * voucher-service's internal API, which only the gateway calls (steps 11-12 of the seed, with its service token):
 * `GET /api/vouchers` answers a VoucherPage, `GET /api/vouchers/{requestId}` a StoredVoucher, and
 * `POST /api/vouchers/texted` takes TextedVouchers (204).
 */

export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;

const Timestamp = Type.String({ format: 'date-time' });

export const VoucherListQuery = Type.Object(
  {
    phoneNumber: Type.String({ maxLength: 32, description: 'E.164 or national form (DEFAULT_REGION)' }),
    limit: Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE }),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 512, description: 'nextCursor of the previous page' })),
  },
  // Unknown parameters are ignored rather than refused: callers (and caches) may add their own.
  { additionalProperties: true },
);

/** A page of a customer's codes; the gateway passes it on to the customer (with the channel each code went by). */
export const VoucherPage = Type.Object(
  {
    phoneNumber: Type.String({ description: 'E.164' }),
    vouchers: Type.Array(
      Type.Object({ requestId: RequestId, voucherCode: Type.String(), status: VoucherStatus, channel: Channel, issuedAt: Timestamp }),
    ),
    nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as cursor for the next page; null on the last' }),
  },
  { description: "The customer's codes, newest first" },
);

export const StoredVoucherParams = Type.Object({ requestId: RequestId });

export const StoredVoucher = Type.Object({
  requestId: RequestId,
  phoneNumber: Type.String(),
  voucherCode: Type.Union([Type.String(), Type.Null()]),
  status: VoucherStatus,
  channel: Channel,
  message: Type.String(),
  issuedAt: Timestamp,
  storedAt: Timestamp,
});

/** Most codes one report may carry (the gateway's SMS batch is far below it). */
export const MAX_TEXTED_PER_REPORT = 500;

/**
 * The gateway's report of codes it texted: the listing then says SMS for them (a code meant for the web whose page had
 * gone was texted). Reporting one twice changes nothing.
 */
export const TextedVouchers = Type.Object(
  {
    texted: Type.Array(Type.Object({ requestId: RequestId, phoneNumber: E164 }, { additionalProperties: false }), {
      minItems: 1,
      maxItems: MAX_TEXTED_PER_REPORT,
    }),
  },
  { additionalProperties: false },
);
