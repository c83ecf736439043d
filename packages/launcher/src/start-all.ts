import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureBroker } from './local-broker.ts';
import { ensureDatabase } from './local-database.ts';
import { portOf, replicasOf, systemProcesses } from './processes.ts';
import { startRestarting, stopAll, waitUntilHealthy, type Supervised } from './supervisor.ts';

/**
 * `npm start [-- --replicas N] [--brokers B]`: the whole system on one machine, N processes of each bank service
 * (sharing its public port) and a local Kafka cluster of B nodes when KAFKA_BROKERS is unset. Ctrl-C stops everything
 * this command started; a process that dies after start-up is started again (supervisor.ts).
 */
const log = (line: string) => console.log(`[start] ${line}`);

function countOption(name: string, raw: string | undefined, max: number): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > max) {
    console.error(`[start] --${name} must be an integer from 1 to ${max}, got '${raw}'`);
    process.exit(2);
  }
  return value;
}
const { values: flags } = parseArgs({ options: { replicas: { type: 'string' }, brokers: { type: 'string' } } });
const replicas = countOption('replicas', flags.replicas, 16) ?? 1;
const brokers = countOption('brokers', flags.brokers, 9);
if (brokers !== undefined && process.env.KAFKA_BROKERS) log(`--brokers ${brokers} is ignored: KAFKA_BROKERS names the cluster to use`);

const stopBroker = await ensureBroker(log, { brokers });
const stopDatabase = await ensureDatabase(log, 'voucher');
// The VPS simulator remembers its requests across restarts, as a real provider does.
process.env.VPS_STATE_FILE ??= resolve(process.env.DATA_DIR ?? './data', 'vps', 'requests.jsonl');
// Children write to a pipe, so they cannot see the terminal themselves: tell them to print human lines.
if (process.stdout.isTTY) process.env.LOG_FORMAT ??= 'pretty';
// npm start is the local demo: services may then make up a key they were not given (LOCAL_DEMO=true), and this run
// gives every one of them the same random keys, one per purpose, which die with the run (tokens and sessions too).
process.env.LOCAL_DEMO ??= 'true';
// The VPS simulator signs its callbacks and the integration service requires the signature (Standard Webhooks). The
// simulators' admin routes and the SMS inbox stay open under LOCAL_DEMO unless VPS_ADMIN_TOKEN / SMS_ADMIN_TOKEN are set.
process.env.VPS_CALLBACK_SECRET ??= `whsec_${randomBytes(32).toString('base64')}`;
const signsTokens = !/^(false|0|no)$/i.test(process.env.AUTH_REQUIRED ?? '') && !process.env.AUTH_JWKS_URL;
for (const name of [...(signsTokens ? ['AUTH_SECRET'] : []), 'OTP_SECRET', 'CURSOR_SECRET', 'VOUCHER_SERVICE_TOKEN']) {
  if (process.env[name]) continue;
  process.env[name] = randomBytes(32).toString('base64url');
  log(`${name} is unset: using a random key for this run only`);
}

const running: Supervised[] = [];
let stopping = false;
let started = false;
async function shutdown(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    log('stopping every process');
    await stopAll(running);
    await stopDatabase();
    await stopBroker();
  }
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

// Start-up failures stop the run at once (a bad setting, a taken port); once it is up, a dead process is restarted.
const policy = {
  restarts: () => started,
  stopping: () => stopping,
  fatal: (reason: string) => {
    log(`${reason}; stopping the rest`);
    void shutdown(1);
  },
  log,
};

try {
  for (const [index, spec] of systemProcesses.entries()) {
    const url = `http://127.0.0.1:${portOf(spec, process.env)}`;
    for (const replica of replicasOf(spec, process.env, replicas)) {
      running.push(startRestarting(replica.name, [spec.entry], replica.env, index, policy));
      // Each replica's own operations port, so that the next one starts only once this one serves.
      await waitUntilHealthy(`${replica.adminUrl ?? url}/healthz`);
      log(`${replica.name}: ${url}, operations ${replica.adminUrl ?? '(a free port, in its log)'}`);
    }
  }
  started = true;
  const gatewayPort = process.env.GATEWAY_PORT ?? 8080;
  log(
    `all processes are up${replicas > 1 ? ` (${replicas} replicas of each bank service)` : ''}: the customer page is http://127.0.0.1:${gatewayPort}/, the SMS inbox http://127.0.0.1:${process.env.SMS_PORT ?? 8084}/`,
  );
} catch (error) {
  log((error as Error).message);
  await shutdown(1);
}
