import type { ReceiveCodeMessage } from '@voucher/contracts';
import { Batcher } from '@voucher/platform/batching';
import type { Queryable } from '@voucher/platform/database';
import { toStoredVoucher, type ListedVoucher, type ListingPosition, type StoredVoucher, type VoucherRow } from './rows.ts';

/**
 * What saving an outcome did. `duplicate`: the request was already stored (at-least-once delivery), and
 * `differs` says whether the stored outcome is not the one offered. `code-taken`: the code already belongs to
 * another request, so nothing was stored.
 */
export type SaveResult = { kind: 'stored' } | { kind: 'duplicate'; differs: boolean } | { kind: 'code-taken'; ownerRequestId: string };

// issued_at is cut to milliseconds: the API and the pagination cursor carry JavaScript (millisecond) times, and
// a finer stored time would make the keyset comparison skip or repeat rows.
const INSERT = `
  INSERT INTO vouchers (request_id, phone_number, voucher_code, status, channel, message, issued_at)
  VALUES ($1, $2, $3, $4, $5, $6, date_trunc('milliseconds', $7::timestamptz))
  ON CONFLICT (request_id) DO NOTHING
  RETURNING request_id`;
// The batched form: one statement for many outcomes. Without a conflict target it skips a row that clashes on either
// unique key; the rows it did not insert are then settled one by one (a redelivery, or a code that is taken).
const INSERT_MANY = `
  INSERT INTO vouchers (request_id, phone_number, voucher_code, status, channel, message, issued_at)
  SELECT request_id, phone_number, voucher_code, status, channel, message, date_trunc('milliseconds', issued_at)
  FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[])
    AS batch(request_id, phone_number, voucher_code, status, channel, message, issued_at)
  ON CONFLICT DO NOTHING
  RETURNING request_id`;
const SELECT_COLUMNS = 'request_id, phone_number, voucher_code, status, channel, message, issued_at, stored_at';
const FIND_BY_REQUEST = `SELECT ${SELECT_COLUMNS} FROM vouchers WHERE request_id = $1`;
const FIND_CODE_OWNER = 'SELECT request_id FROM vouchers WHERE voucher_code = $1';
// Two statements rather than one with `$2 IS NULL OR ...`, so each gets a plan that walks vouchers_listing_idx.
// The listing's rows come back as the API's objects, issuedAt already as Date.toISOString() writes it (issued_at holds
// whole milliseconds), so no row is mapped nor its time parsed and printed again in JavaScript.
// The channel is the one the customer received the code by: SMS for a code the gateway reported it texted
// (texted_vouchers: a code meant for the web whose page had gone), else the one the outcome was meant for.
const LIST_COLUMNS = `request_id AS "requestId", voucher_code AS "voucherCode", status,
  CASE WHEN EXISTS (SELECT 1 FROM texted_vouchers t WHERE t.request_id = vouchers.request_id) THEN 'SMS' ELSE channel END AS channel,
  to_char(issued_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "issuedAt"`;
const LIST_FIRST_PAGE = `
  SELECT ${LIST_COLUMNS} FROM vouchers
  WHERE phone_number = $1 AND voucher_code IS NOT NULL
  ORDER BY issued_at DESC, request_id DESC
  LIMIT $2`;
const LIST_AFTER = `
  SELECT ${LIST_COLUMNS} FROM vouchers
  WHERE phone_number = $1 AND voucher_code IS NOT NULL AND (issued_at, request_id) < ($3::timestamptz, $4::uuid)
  ORDER BY issued_at DESC, request_id DESC
  LIMIT $2`;

// A report may name a request whose outcome is not stored yet: the row waits here for it, whatever the order.
const MARK_TEXTED = `
  INSERT INTO texted_vouchers (request_id, phone_number)
  SELECT * FROM unnest($1::uuid[], $2::text[])
  ON CONFLICT (request_id) DO NOTHING`;

const UNIQUE_VIOLATION = '23505';
const isUniqueViolation = (error: unknown) => (error as { code?: unknown })?.code === UNIQUE_VIOLATION;

/** The voucher table: each outcome written once, read back by request or listed by phone number. */
export class VoucherStore {
  readonly #db: Queryable;
  readonly #batcher: Batcher<ReceiveCodeMessage, SaveResult>;

  constructor(db: Queryable) {
    this.#db = db;
    this.#batcher = new Batcher((messages) => this.#saveMany(messages), { maxBatch: 500, maxInFlight: 4 });
  }

  /**
   * Stores `message` unless its request is already stored; never stores a code that another request owns. Saves
   * made at the same time share one INSERT.
   */
  save(message: ReceiveCodeMessage): Promise<SaveResult> {
    return this.#batcher.add(message);
  }

  async #saveMany(messages: ReceiveCodeMessage[]): Promise<SaveResult[]> {
    const column = <T>(pick: (message: ReceiveCodeMessage) => T) => messages.map(pick);
    const inserted = await this.#db.query<{ request_id: string }>(
      INSERT_MANY,
      [
        column((m) => m.requestId),
        column((m) => m.phoneNumber),
        column((m) => m.voucherCode ?? null),
        column((m) => m.status),
        column((m) => m.channel),
        column((m) => m.message),
        column((m) => m.issuedAt),
      ],
      { prepare: true },
    );
    const stored = new Set(inserted.map((row) => row.request_id.toLowerCase()));
    const results: SaveResult[] = [];
    for (const message of messages) {
      // A request twice in one batch: the first copy is stored, the second settles as a duplicate.
      const first = stored.delete(message.requestId.toLowerCase());
      results.push(first ? { kind: 'stored' } : await this.#saveOne(message));
    }
    return results;
  }

  async #saveOne(message: ReceiveCodeMessage): Promise<SaveResult> {
    try {
      const inserted = await this.#db.query(INSERT, [
        message.requestId,
        message.phoneNumber,
        message.voucherCode ?? null,
        message.status,
        message.channel,
        message.message,
        message.issuedAt,
      ]);
      if (inserted.length > 0) return { kind: 'stored' };
    } catch (error) {
      if (!isUniqueViolation(error) || message.voucherCode === undefined) throw error;
      // The code's unique index is not the conflict arbiter, so a code clash surfaces as an error; a concurrent
      // redelivery of this very message can too, which the owner lookup tells apart.
      const owner = await this.#codeOwner(message.voucherCode);
      if (owner === undefined) throw error;
      if (owner !== message.requestId) return { kind: 'code-taken', ownerRequestId: owner };
    }
    const stored = await this.find(message.requestId);
    return { kind: 'duplicate', differs: !stored || !sameOutcome(stored, message) };
  }

  async find(requestId: string): Promise<StoredVoucher | undefined> {
    const [row] = await this.#db.query<VoucherRow>(FIND_BY_REQUEST, [requestId]);
    return row && toStoredVoucher(row);
  }

  /** One page of a customer's codes, newest first, continuing after `after` when given. */
  async list(phoneNumber: string, limit: number, after?: ListingPosition): Promise<ListedVoucher[]> {
    // Prepared: each connection parses and plans the listing once, not on every page asked for.
    return after
      ? await this.#db.query<ListedVoucher>(LIST_AFTER, [phoneNumber, limit, after.issuedAt, after.requestId], { prepare: true })
      : await this.#db.query<ListedVoucher>(LIST_FIRST_PAGE, [phoneNumber, limit], { prepare: true });
  }

  /** Records codes the gateway texted; the listing says SMS for them from now on. */
  async markTexted(texted: ReadonlyArray<{ requestId: string; phoneNumber: string }>): Promise<void> {
    await this.#db.query(MARK_TEXTED, [texted.map((row) => row.requestId), texted.map((row) => row.phoneNumber)]);
  }

  async #codeOwner(voucherCode: string): Promise<string | undefined> {
    const [row] = await this.#db.query<{ request_id: string }>(FIND_CODE_OWNER, [voucherCode]);
    return row?.request_id;
  }
}

function sameOutcome(stored: StoredVoucher, message: ReceiveCodeMessage): boolean {
  return (
    stored.phoneNumber === message.phoneNumber &&
    stored.voucherCode === (message.voucherCode ?? null) &&
    stored.status === message.status &&
    stored.channel === message.channel
  );
}
