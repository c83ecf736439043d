import { parseArgs } from 'node:util';

/** What one chaos run does; `--short` is the version `npm test` runs. */
export interface ChaosOptions {
  short: boolean;
  seed: number;
  /** Purchases started during the load. */
  requests: number;
  /** How long the load lasts; the fault plan is stretched or squeezed to it. */
  seconds: number;
  /** Kafka nodes of the run's own cluster (KRaft, each broker and controller). */
  brokers: number;
  /** Processes of each bank service (gateway, voucher-integration-service, voucher-service), sharing its port. */
  replicas: number;
  /** Distinct customers (phone numbers) the purchases are spread over. */
  numbers: number;
  /** Share of purchases whose customer keeps the page's event stream open. */
  pageShare: number;
  /** How long to wait after the load (and the last fault) for every accepted request to be final. */
  drainMs: number;
  /** The whole run, start-up to clean-up, is aborted past this. */
  hardLimitMs: number;
  /** Every /readyz must answer 200 again within this of the last fault. */
  readyWithinMs: number;
  /** The services' LOG_LEVEL (their logs go to files in the run's directory). */
  logLevel: string;
  /** Also print the services' log lines, prefixed with their names. */
  verbose: boolean;
  /** Copy the services' logs here before the run's directory is deleted. */
  keepLogs?: string;
  /**
   * A deliberately broken run, to see the reconciliation catch it: `gateway-stays-down` kills the gateway mid-load
   * and never restarts it. Never part of a normal run.
   */
  sabotage?: 'gateway-stays-down';
}

export const FULL = { requests: 2_000, seconds: 80, numbers: 200, drainMs: 180_000 };
export const SHORT = { requests: 300, seconds: 40, numbers: 100, drainMs: 75_000 };

const usage = `usage: npm run chaos -- [--short] [--brokers N] [--replicas N] [--seed N] [--requests N] [--seconds N] [--numbers N] [--page-share F]
                     [--drain-seconds N] [--log-level L] [--verbose] [--keep-logs DIR] [--sabotage gateway-stays-down]`;

function positive(name: string, raw: string | undefined, fallback: number, { integer = true, max = Infinity } = {}): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || value > max || (integer && !Number.isInteger(value))) {
    throw new Error(
      `--${name} must be a positive ${integer ? 'integer' : 'number'}${max < Infinity ? ` up to ${max}` : ''}, got '${raw}'\n${usage}`,
    );
  }
  return value;
}

export function parseOptions(argv: string[]): ChaosOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      short: { type: 'boolean', default: false },
      brokers: { type: 'string' },
      replicas: { type: 'string' },
      seed: { type: 'string' },
      requests: { type: 'string' },
      seconds: { type: 'string' },
      numbers: { type: 'string' },
      'page-share': { type: 'string' },
      'drain-seconds': { type: 'string' },
      'log-level': { type: 'string' },
      verbose: { type: 'boolean', default: false },
      'keep-logs': { type: 'string' },
      sabotage: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) throw new Error(usage);
  const base = values.short ? SHORT : FULL;
  if (values.sabotage !== undefined && values.sabotage !== 'gateway-stays-down')
    throw new Error(`unknown --sabotage '${values.sabotage}'\n${usage}`);
  const seed = values.seed === undefined ? Math.floor(Math.random() * 1_000_000) : Number(values.seed);
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`--seed must be a non-negative integer, got '${values.seed}'`);
  return {
    short: values.short,
    seed,
    brokers: positive('brokers', values.brokers, 1, { max: 5 }),
    replicas: positive('replicas', values.replicas, 1, { max: 4 }),
    requests: positive('requests', values.requests, base.requests),
    seconds: positive('seconds', values.seconds, base.seconds, { max: 300 }),
    numbers: positive('numbers', values.numbers, base.numbers, { max: 10_000 }),
    pageShare: values['page-share'] === undefined ? 0.25 : positive('page-share', values['page-share'], 0.25, { integer: false, max: 1 }),
    drainMs: positive('drain-seconds', values['drain-seconds'], base.drainMs / 1000, { max: 400 }) * 1000,
    hardLimitMs: 600_000,
    readyWithinMs: 30_000,
    logLevel: values['log-level'] ?? process.env.CHAOS_LOG_LEVEL ?? 'warn',
    verbose: values.verbose,
    keepLogs: values['keep-logs'],
    sabotage: values.sabotage as ChaosOptions['sabotage'],
  };
}
