import type { Queryable } from '@voucher/platform/database';

export interface SeedOptions {
  rows: number;
  /** E.164 numbers the rows are spread over, round-robin. */
  phoneNumbers: readonly string[];
  /** Rows per INSERT statement; keeps each statement's memory bounded. */
  batchSize?: number;
}

// About 5% of rows are FAILED (no code) and 10% arrived late by SMS: roughly the mix the listing has to skip over.
// Codes are derived from the row's own random request id, so they are unique without a lookup.
const SEED_BATCH = `
  INSERT INTO vouchers (request_id, phone_number, voucher_code, status, channel, message, issued_at)
  SELECT id,
         ($1::text[])[1 + g % cardinality($1::text[])],
         CASE WHEN dice < 0.05 THEN NULL ELSE 'SEED-' || upper(replace(id::text, '-', '')) END,
         CASE WHEN dice < 0.05 THEN 'FAILED' WHEN dice < 0.15 THEN 'LATE_SUCCESS' ELSE 'SUCCESS' END,
         CASE WHEN dice >= 0.05 AND dice < 0.15 THEN 'SMS' ELSE 'WEB' END,
         'seeded',
         date_trunc('milliseconds', now() - random() * interval '90 days')
  FROM (SELECT g, gen_random_uuid() AS id, random() AS dice FROM generate_series($2::int, $3::int) AS g) AS numbered`;

/** Fills the vouchers table with `rows` synthetic outcomes in a few set-based statements (benchmarks, EXPLAIN). */
export async function seedVouchers(db: Queryable, options: SeedOptions): Promise<number> {
  if (options.phoneNumbers.length === 0) throw new Error('seedVouchers needs at least one phone number');
  const batchSize = options.batchSize ?? 50_000;
  for (let first = 0; first < options.rows; first += batchSize) {
    const last = Math.min(first + batchSize, options.rows) - 1;
    await db.query(SEED_BATCH, [options.phoneNumbers, first, last]);
  }
  return options.rows;
}

/** `count` distinct valid Vietnamese mobile numbers in E.164 (+8490xxxxxxx), for seeding. */
export function syntheticPhoneNumbers(count: number, offset = 0): string[] {
  if (count + offset > 10_000_000) throw new Error('at most 10,000,000 synthetic phone numbers');
  return Array.from({ length: count }, (_, index) => `+8490${String(offset + index).padStart(7, '0')}`);
}
