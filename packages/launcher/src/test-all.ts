import { spawnSync } from 'node:child_process';
import { globSync } from 'node:fs';
import { ensureBroker } from './local-broker.ts';
import { repositoryRoot } from './processes.ts';

/**
 * `npm test`: every test file, one file at a time (they share one broker and one machine), against the broker at
 * KAFKA_BROKERS or the project's own, and PostgreSQL at DATABASE_URL or PGlite. When DATABASE_URL is set, the suites
 * that touch a database run a second time on PGlite, so both storage paths are proven in one run.
 */
const log = (line: string) => console.log(`[test] ${line}`);
const filter = process.argv.slice(2);
const allFiles = globSync(['packages/*/test/**/*.test.ts', 'services/*/test/**/*.test.ts'], { cwd: repositoryRoot }).sort();
const files = filter.length ? allFiles.filter((file) => filter.some((part) => file.includes(part))) : allFiles;
const databaseSuites = files.filter((file) => /(^services\/(gateway|voucher-service|voucher-integration-service)\/|database)/.test(file));

function runNodeTest(label: string, testFiles: string[], env: NodeJS.ProcessEnv): boolean {
  if (testFiles.length === 0) return true;
  log(`${label}: ${testFiles.length} files`);
  const result = spawnSync(
    process.execPath,
    ['--test', '--test-reporter=spec', '--test-concurrency=1', '--test-timeout=300000', ...testFiles],
    { cwd: repositoryRoot, env: { ...env, LOG_LEVEL: env.LOG_LEVEL ?? 'silent' }, stdio: 'inherit' },
  );
  return result.status === 0;
}

const stopBroker = await ensureBroker(log);
const env: NodeJS.ProcessEnv = { ...process.env, KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092' };
let ok = runNodeTest(process.env.DATABASE_URL ? 'all tests on PostgreSQL' : 'all tests on PGlite', files, env);
if (process.env.DATABASE_URL) {
  const { DATABASE_URL: _unused, ...pgliteEnv } = env;
  ok = runNodeTest('database suites again on PGlite', databaseSuites, pgliteEnv) && ok;
}
await stopBroker();
process.exitCode = ok ? 0 : 1;
