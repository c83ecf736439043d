import type { VoucherStore } from '../store/voucher-store.ts';
import type { ListedVoucher } from '../store/rows.ts';
import type { CursorCodec } from './cursor.ts';

export interface VoucherPage {
  phoneNumber: string;
  vouchers: ListedVoucher[];
  /** Continues the listing after this page; null on the last page. */
  nextCursor: string | null;
}

export type PageResult = { ok: true; page: VoucherPage } | { ok: false; reason: string };

/** One page of a customer's codes (phoneNumber in E.164), newest first, resuming after `cursor` when given. */
export async function listVoucherPage(
  store: VoucherStore,
  cursors: CursorCodec,
  request: { phoneNumber: string; limit: number; cursor?: string },
): Promise<PageResult> {
  const { phoneNumber, limit } = request;
  const after = request.cursor === undefined ? undefined : cursors.decode(phoneNumber, request.cursor);
  if (after && !after.ok) return after;
  // One row more than asked tells whether another page exists, so the last page says so (nextCursor null).
  const rows = await store.list(phoneNumber, limit + 1, after?.position);
  const vouchers = rows.slice(0, limit);
  const last = vouchers.at(-1);
  const nextCursor = rows.length > limit && last ? cursors.encode(phoneNumber, last) : null;
  return { ok: true, page: { phoneNumber, vouchers, nextCursor } };
}
