import { Type } from '@sinclair/typebox';
import { Channel, RequestId, VoucherStatus } from '@voucher/contracts';

export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;

export const ListQuery = Type.Object(
  {
    phoneNumber: Type.String({ maxLength: 32, description: 'E.164 or national form (DEFAULT_REGION)' }),
    limit: Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE }),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 512, description: 'nextCursor of the previous page' })),
  },
  // Unknown parameters are ignored rather than refused: callers (and caches) may add their own.
  { additionalProperties: true },
);

const Timestamp = Type.String({ format: 'date-time' });

export const VoucherPage = Type.Object({
  phoneNumber: Type.String(),
  vouchers: Type.Array(
    Type.Object({ requestId: RequestId, voucherCode: Type.String(), status: VoucherStatus, channel: Channel, issuedAt: Timestamp }),
  ),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});

export const RequestParams = Type.Object({ requestId: RequestId });

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
