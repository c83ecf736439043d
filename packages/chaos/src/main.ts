import { parseOptions } from './options.ts';
import { formatReport } from './report.ts';
import { runChaos } from './run.ts';

/**
 * `npm run chaos [-- --short --brokers N --replicas N --seed N --requests N --seconds N]`: runs the chaos suite and
 * prints what happened, then one line; exits 1 on any loss, duplicate, misdelivery or stuck request, a /readyz not back
 * within 30 s of the last fault, or (with replicas) a customer-facing error beyond requests in flight on a killed
 * gateway. Ctrl-C stops the run and still cleans up everything it started.
 */
let options;
try {
  options = parseOptions(process.argv.slice(2));
} catch (error) {
  console.error((error as Error).message);
  process.exit(2);
}

const started = Date.now();
const log = (line: string) => console.log(`[chaos +${((Date.now() - started) / 1000).toFixed(1)}s] ${line}`);
const controller = new AbortController();
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) return log('still cleaning up; please wait');
    interrupted = true;
    log(`${signal}: stopping the run and cleaning up`);
    controller.abort(new Error(`interrupted by ${signal}`));
  });
}

try {
  const result = await runChaos(options, log, controller.signal);
  result.timings.totalMs = Date.now() - started;
  for (const line of formatReport(result)) console.log(line);
  process.exit(result.ok ? 0 : 1);
} catch (error) {
  log(`the run did not complete: ${interrupted ? (error as Error).message : ((error as Error).stack ?? error)}`);
  process.exit(interrupted ? 130 : 1);
}
