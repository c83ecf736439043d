import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { ensureBroker } from './local-broker.ts';
import { ensureDatabase } from './local-database.ts';
import { systemProcesses } from './processes.ts';
import { startProcess, stopAll, waitUntilHealthy, type Supervised } from './supervisor.ts';

/** `npm start`: the whole system on one machine; Ctrl-C stops everything this command started. */
const log = (line: string) => console.log(`[start] ${line}`);
const stopBroker = await ensureBroker(log);
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

try {
  for (const [index, spec] of systemProcesses.entries()) {
    const supervised = startProcess(spec.name, [spec.entry], process.env, index);
    running.push(supervised);
    void supervised.exited.then((code) => {
      if (!stopping) {
        log(`${spec.name} exited (code ${code}); stopping the rest`);
        void shutdown(1);
      }
    });
    await waitUntilHealthy(`http://127.0.0.1:${process.env[spec.portVariable] ?? spec.defaultPort}/healthz`);
  }
  const gatewayPort = process.env.GATEWAY_PORT ?? 8080;
  log(
    `all processes are up: the customer page is http://127.0.0.1:${gatewayPort}/, the SMS inbox http://127.0.0.1:${process.env.SMS_PORT ?? 8084}/`,
  );
} catch (error) {
  log((error as Error).message);
  await shutdown(1);
}
