/**
 * Seeds a scratch schema and prints the listing query's plan, for the README:
 *   DATABASE_URL=postgres://... node services/voucher-service/src/tools/explain-listing.ts [rows] [phoneNumbers]
 * It works in the schema `voucher_service_explain`, never in the service's own data.
 */
import { fileURLToPath } from 'node:url';
import { openDatabase } from '@voucher/platform/database';
import { seedVouchers, syntheticPhoneNumbers } from './seed-vouchers.ts';

const rows = Number(process.argv[2] ?? 200_000);
const phoneNumbers = syntheticPhoneNumbers(Number(process.argv[3] ?? 2_000));
const db = await openDatabase({
  service: 'voucher-service-explain',
  migrationsDir: fileURLToPath(new URL('../../migrations', import.meta.url)),
  url: process.env.DATABASE_URL ?? '',
});
try {
  await db.query('TRUNCATE vouchers');
  const started = performance.now();
  await seedVouchers(db, { rows, phoneNumbers });
  console.log(`seeded ${rows} rows over ${phoneNumbers.length} numbers in ${Math.round(performance.now() - started)} ms`);
  await db.query('ANALYZE vouchers');
  const [page] = await db.query<{ issued_at: Date; request_id: string }>(
    'SELECT issued_at, request_id FROM vouchers WHERE phone_number = $1 AND voucher_code IS NOT NULL ORDER BY issued_at DESC, request_id DESC OFFSET 19 LIMIT 1',
    [phoneNumbers[0]],
  );
  const explain = async (title: string, sql: string, params: unknown[]) => {
    const plan = await db.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params);
    console.log(`\n-- ${title}\n${plan.map((line) => line['QUERY PLAN']).join('\n')}`);
  };
  const columns = 'SELECT request_id, voucher_code, status, channel, issued_at FROM vouchers';
  const order = 'ORDER BY issued_at DESC, request_id DESC LIMIT 21';
  await explain('first page', `${columns} WHERE phone_number = $1 AND voucher_code IS NOT NULL ${order}`, [phoneNumbers[0]]);
  await explain(
    'next page (keyset)',
    `${columns} WHERE phone_number = $1 AND voucher_code IS NOT NULL AND (issued_at, request_id) < ($2::timestamptz, $3::uuid) ${order}`,
    [phoneNumbers[0], page?.issued_at, page?.request_id],
  );
} finally {
  await db.close();
}
