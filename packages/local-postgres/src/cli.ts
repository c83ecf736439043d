import { startPostgres, stopPostgres } from './index.ts';

/**
 * `npm run db:start` / `db:stop`: the local PostgreSQL server alone. `start` prints the URL of the demo's database with
 * the password left out (logs never hold a secret); the password is in DATA_DIR/postgres/password.
 */
const log = (line: string) => console.log(`[postgres] ${line}`);
const command = process.argv[2];

try {
  if (command === 'start') {
    const server = await startPostgres(log);
    const url = new URL(await server.databaseUrl('voucher'));
    url.password = 'PASSWORD';
    log(`DATABASE_URL=${url.href} (PASSWORD is in ${server.layout.passwordFile})`);
  } else if (command === 'stop') await stopPostgres(log);
  else throw new Error(`usage: cli.ts start|stop (got '${command ?? ''}')`);
} catch (error) {
  console.error(`[postgres] ${(error as Error).message}`);
  process.exitCode = 1;
}
