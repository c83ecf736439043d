import { execFileSync } from 'node:child_process';
import { cpus, platform, release, totalmem } from 'node:os';
import pg from 'pg';
import type { BenchReport } from './report/bench-report.ts';

function fdLimit(): string {
  try {
    return execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

async function databaseVersion(embedded: boolean): Promise<string> {
  const url = process.env.DATABASE_URL ?? '';
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
    const where = embedded ? 'the project’s local server, DATABASE_URL unset' : 'DATABASE_URL';
    return `PostgreSQL ${rows[0]?.server_version} (database ${new URL(url).pathname.slice(1)}, ${where})`;
  } finally {
    await client.end();
  }
}

/** The machine and versions a run's figures belong to; `embedded` when the database is the project's local server. */
export async function describeEnvironment(embedded: boolean): Promise<Pick<BenchReport, 'machine' | 'versions'>> {
  return {
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
      memoryGB: Math.round(totalmem() / 2 ** 30),
      platform: `${platform()} ${release()}`,
      fdLimit: fdLimit(),
    },
    versions: {
      node: process.versions.node,
      kafka: process.env.KAFKA_BROKERS ? `cluster at ${process.env.KAFKA_BROKERS}` : 'the project’s local broker (127.0.0.1:9092)',
      database: await databaseVersion(embedded),
    },
  };
}
