import { Type, type Static } from '@sinclair/typebox';

export const E164 = Type.String({ pattern: '^\\+[1-9][0-9]{6,14}$', description: 'Phone number in E.164 form' });
export const RequestId = Type.String({ format: 'uuid' });
/** A voucher code: 1 to 128 printable ASCII characters, no spaces (`^[\x21-\x7e]{1,128}$`). */
export const VoucherCode = Type.String({ pattern: '^[\\x21-\\x7e]{1,128}$', minLength: 1, maxLength: 128 });
const Timestamp = Type.String({ format: 'date-time' });

export const VoucherStatus = Type.Union([Type.Literal('SUCCESS'), Type.Literal('LATE_SUCCESS'), Type.Literal('FAILED')]);
export const Channel = Type.Union([Type.Literal('WEB'), Type.Literal('SMS')]);
export type VoucherStatus = Static<typeof VoucherStatus>;
export type Channel = Static<typeof Channel>;

/** `request-code`: the gateway asks for a code; `deadline` = `requestedAt` + WEB_DEADLINE_MS. */
export const RequestCodeMessage = Type.Object(
  { requestId: RequestId, phoneNumber: E164, requestedAt: Timestamp, deadline: Timestamp },
  { additionalProperties: false, $id: 'request-code' },
);
export type RequestCodeMessage = Static<typeof RequestCodeMessage>;

/** `receive-code`: the outcome for one request; no `voucherCode` when `status` is FAILED. */
export const ReceiveCodeMessage = Type.Object(
  {
    requestId: RequestId,
    phoneNumber: E164,
    status: VoucherStatus,
    channel: Channel,
    /** Printable ASCII without spaces, as the VPS callback route and the VPS's direct answer accept it. */
    voucherCode: Type.Optional(VoucherCode),
    message: Type.String({ maxLength: 500 }),
    issuedAt: Timestamp,
  },
  { additionalProperties: false, $id: 'receive-code' },
);
export type ReceiveCodeMessage = Static<typeof ReceiveCodeMessage>;
