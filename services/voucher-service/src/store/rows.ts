import type { Channel, VoucherStatus } from '@voucher/contracts';

/** A stored outcome, as `GET /api/vouchers/{requestId}` shows it. */
export interface StoredVoucher {
  requestId: string;
  phoneNumber: string;
  voucherCode: string | null;
  status: VoucherStatus;
  channel: Channel;
  message: string;
  issuedAt: string;
  storedAt: string;
}

/** One line of a customer's listing: only outcomes that carry a code. */
export interface ListedVoucher {
  requestId: string;
  voucherCode: string;
  status: VoucherStatus;
  channel: Channel;
  issuedAt: string;
}

/** Where a listing page ends: the keyset the next page continues after. */
export interface ListingPosition {
  issuedAt: string;
  requestId: string;
}

export interface VoucherRow {
  request_id: string;
  phone_number: string;
  voucher_code: string | null;
  status: VoucherStatus;
  channel: Channel;
  message: string;
  issued_at: Date | string;
  stored_at: Date | string;
}

/** pg hands back Date objects for timestamptz; the API speaks ISO-8601 UTC. */
export const isoTime = (value: Date | string): string => new Date(value).toISOString();

export function toStoredVoucher(row: VoucherRow): StoredVoucher {
  return {
    requestId: row.request_id,
    phoneNumber: row.phone_number,
    voucherCode: row.voucher_code,
    status: row.status,
    channel: row.channel,
    message: row.message,
    issuedAt: isoTime(row.issued_at),
    storedAt: isoTime(row.stored_at),
  };
}
