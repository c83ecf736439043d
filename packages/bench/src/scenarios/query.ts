import { join } from 'node:path';
import { repositoryRoot } from '@voucher/launcher';
import { openDatabase } from '@voucher/platform/database';
import type { Stack } from '@voucher/system-tests';
import { seedVouchers, syntheticPhoneNumbers } from '@voucher/voucher-service/src/tools/seed-vouchers.ts';
import { pidsOf, withStack } from '../bench-stack.ts';
import { measureCpuOf } from '../measure/cpu-time.ts';
import { runHttpLoad, type HttpLoadResult } from '../measure/http-load.ts';
import { medianLatency, repeat, steady } from '../measure/steady.ts';
import type { BenchSettings } from '../settings.ts';
import type { Log, ScenarioLatencies, Steadiness } from './scenario.ts';

/** CPU microseconds per listing: the gateway's process, voucher-service's, and the whole machine's. */
export type ListingCpu = { gatewayUs: number; voucherServiceUs: number; machineUs: number };

export interface QueryResult {
  rows: number;
  p50Ms: number;
  p99Ms: number;
  rps: number;
  ownCodes: number;
  endpoint: string;
  healthz: HttpLoadResult[];
  method: string;
  baseline: string;
  steadiness: Steadiness;
  latencies: ScenarioLatencies;
  /** CPU microseconds per listing (median of the rounds), where /proc can be read: what a listing costs, beside how long it takes. */
  cpuPerListing?: ListingCpu;
}

const SPREAD_OVER_NUMBERS = 20_000;
const ownNumber = syntheticPhoneNumbers(1, 9_999_999)[0]!;

/**
 * Tops the voucher-service table up to `rows` (rows already there count: the pipeline scenario's, or an external
 * database's), with `ownCodes` of them for the one number queried, before the stack starts.
 */
async function seed(settings: BenchSettings, log: Log): Promise<{ rows: number; ownCodes: number }> {
  const db = await openDatabase({
    service: 'voucher-service',
    migrationsDir: join(repositoryRoot, 'services', 'voucher-service', 'migrations'),
    url: process.env.DATABASE_URL ?? '',
  });
  try {
    const count = async (where = 'true', params: unknown[] = []) =>
      Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM vouchers WHERE ${where}`, params))[0]!.n);
    const ownMissing = Math.max(0, settings.queryOwnCodes - (await count('phone_number = $1', [ownNumber])));
    await seedVouchers(db, { rows: ownMissing, phoneNumbers: [ownNumber] });
    const missing = Math.max(0, settings.queryRows - (await count()));
    const started = performance.now();
    await seedVouchers(db, { rows: missing, phoneNumbers: syntheticPhoneNumbers(SPREAD_OVER_NUMBERS) });
    if (missing > 0) log(`seeded ${missing} rows in ${Math.round(performance.now() - started)} ms`);
    await db.query('ANALYZE vouchers');
    return { rows: await count(), ownCodes: await count('phone_number = $1 AND voucher_code IS NOT NULL', [ownNumber]) };
  } finally {
    await db.close();
  }
}

/** The gateway's GET /voucher when it exists (a later issue adds it), else voucher-service's own listing. */
async function listingUrl(stack: Stack): Promise<string> {
  const query = `?phoneNumber=${encodeURIComponent(ownNumber)}`;
  const viaGateway = await fetch(`${stack.urls.gateway}/voucher${query}`);
  return viaGateway.ok ? `${stack.urls.gateway}/voucher${query}` : `${stack.urls.voucher}/api/vouchers${query}`;
}

/** Each process's CPU per listing over the rounds. */
const cpuFigures = (rounds: ListingCpu[]) => ({
  gatewayUs: steady(rounds.map((round) => round.gatewayUs)),
  voucherServiceUs: steady(rounds.map((round) => round.voucherServiceUs)),
  machineUs: steady(rounds.map((round) => round.machineUs)),
});

export async function runQuery(settings: BenchSettings, log: Log): Promise<QueryResult> {
  const seeded = await seed(settings, log);
  return withStack(settings, {}, async (stack) => {
    const url = await listingUrl(stack);
    const endpoint = new URL(url).pathname;
    const load = { connections: 10, durationSec: settings.httpSeconds };
    log(`GET ${endpoint} for one number with ${seeded.ownCodes} codes among ${seeded.rows} rows`);
    await runHttpLoad({ url, ...load, durationSec: settings.warmupSeconds });
    const pids = { gatewayUs: pidsOf(stack, 'gateway'), voucherServiceUs: pidsOf(stack, 'voucher') };
    const rounds = await repeat(settings.repeats, async () => ({
      listing: await measureCpuOf(
        pids,
        () => runHttpLoad({ url, ...load }),
        (run) => run.total,
      ),
      healthz: await runHttpLoad({ url: `${new URL(url).origin}/healthz`, ...load }),
    }));
    const listing = rounds.map((round) => round.listing.result);
    const healthz = rounds.map((round) => round.healthz);
    const p99 = steady(listing.map((run) => run.p99Ms));
    const cpu = rounds.every((round) => round.listing.cpu) ? cpuFigures(rounds.map((round) => round.listing.cpu!)) : undefined;
    return {
      rows: seeded.rows,
      p50Ms: steady(listing.map((run) => run.p50Ms)).median,
      p99Ms: p99.median,
      rps: steady(listing.map((run) => run.rps)).median,
      ownCodes: seeded.ownCodes,
      endpoint: `${new URL(url).port === new URL(stack.urls.gateway).port ? 'gateway' : 'voucher-service'} GET ${endpoint}`,
      healthz,
      method:
        `autocannon, ${load.connections} connections, ${settings.httpSeconds} s, first page (20) of one number's codes; ` +
        `${settings.repeats} rounds, each the listing then /healthz (medians)`,
      baseline: "the same process's GET /healthz under the same load (HTTP cost without the database)",
      steadiness: {
        'query p99': { ...p99, unit: 'ms' },
        ...(cpu
          ? {
              'query CPU per listing (gateway)': { ...cpu.gatewayUs, unit: 'µs' },
              'query CPU per listing (voucher-service)': { ...cpu.voucherServiceUs, unit: 'µs' },
              'query CPU per listing (machine)': { ...cpu.machineUs, unit: 'µs' },
            }
          : {}),
      },
      latencies: { 'query listing': medianLatency(listing), 'query /healthz baseline': medianLatency(healthz) },
      ...(cpu
        ? {
            cpuPerListing: {
              gatewayUs: cpu.gatewayUs.median,
              voucherServiceUs: cpu.voucherServiceUs.median,
              machineUs: cpu.machineUs.median,
            },
          }
        : {}),
    };
  });
}
