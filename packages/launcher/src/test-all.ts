import { spawnSync } from 'node:child_process';
import { globSync } from 'node:fs';
import { ensureBroker } from './local-broker.ts';
import { ensureDatabase } from './local-database.ts';
import { repositoryRoot } from './processes.ts';

/**
 * `npm test`: every test file, one file at a time (they share one broker and one machine), against the brokers at
 * KAFKA_BROKERS or the project's own (a cluster of LOCAL_KAFKA_BROKERS nodes, default one), and PostgreSQL at
 * DATABASE_URL or the project's own server, where each run gets a fresh `voucher_test` database.
 */
const log = (line: string) => console.log(`[test] ${line}`);
const filter = process.argv.slice(2);
const allFiles = globSync(['packages/*/test/**/*.test.ts', 'services/*/test/**/*.test.ts'], { cwd: repositoryRoot }).sort();
const files = filter.length ? allFiles.filter((file) => filter.some((part) => file.includes(part))) : allFiles;

const stopBroker = await ensureBroker(log);
const stopDatabase = await ensureDatabase(log, 'voucher_test', { fresh: true });
log(`${files.length} files`);
// --test-force-exit: a test file whose tests have all ended exits, even if a library left a timer running. Seen once:
// a Kafka consumer closed while its group join was still in flight kept @platformatic/kafka's heartbeat timer alive,
// and the file's process (every test passed) held the whole run until CI's limit. A service's process exits after
// close() anyway (runUntilSignalled), so only the test runner needed this.
const nodeArgs = ['--test', '--test-reporter=spec', '--test-concurrency=1', '--test-timeout=300000', '--test-force-exit'];
const result = spawnSync(process.execPath, [...nodeArgs, ...files], {
  cwd: repositoryRoot,
  // ensureBroker set KAFKA_BROKERS to the cluster it uses (every node's address).
  env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent' },
  stdio: 'inherit',
});
await stopDatabase();
await stopBroker();
process.exit(result.status === 0 ? 0 : 1);
