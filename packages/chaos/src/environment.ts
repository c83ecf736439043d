import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { stablePort } from './ports.ts';
import type { ChaosOptions } from './options.ts';

/** Timings of the reference run: the customer's 30 s and the VPS's 3 s shrunk ten times, and what follows from them. */
export const TIMINGS = {
  VPS_ACK_AFTER_MS: 300,
  WEB_DEADLINE_MS: 3_000,
  /** A challenge the VPS has not redeemed is asked about again after this (default 15 min). */
  CHALLENGE_TTL_MS: 30_000,
  SWEEP_INTERVAL_MS: 2_000,
  /** The gateway's last resort for a request without any outcome (default 60 min): longer than the challenge TTL. */
  OUTCOME_GRACE_MS: 60_000,
  OVERDUE_SCAN_INTERVAL_MS: 5_000,
  /** The VPS retries a callback for a minute (its default 10 min shrunk ten times), backing off up to 3 s. */
  VPS_CALLBACK_RETRY_WINDOW_MS: 60_000,
  VPS_CALLBACK_RETRY_BASE_MS: 250,
  VPS_CALLBACK_RETRY_MAX_MS: 3_000,
  VPS_CALLBACK_TIMEOUT_MS: 5_000,
  /** A request the VPS "loses" drops its connection after this (default 60 s). */
  VPS_TIMEOUT_HOLD_MS: 5_000,
} as const;

/** The gateway's (and the suite's) credential for voucher-service, one per run. */
export const VOUCHER_SERVICE_TOKEN = randomBytes(32).toString('base64url');

/** The VPS's behaviour during the run, set through PUT /admin/traffic and /admin/faults (and in its environment, so a restart keeps it). */
export const VPS_TRAFFIC = { profile: 'mixed' } as const;
export const VPS_FAULTS = { errorRate: 0.03, timeoutRate: 0.01, duplicateCallbackRate: 0.1, forgedCallbackRate: 0.1, failNext: 0 } as const;

export interface Ports {
  gateway: number;
  vps: number;
  integration: number;
  voucher: number;
  sms: number;
  /** Where the integration service reaches the VPS: a wiretap in front of it. */
  vpsTap: number;
  /** Where the VPS calls back: a wiretap in front of the integration service. */
  callbackTap: number;
}

export async function allocatePorts(taken: Set<number>): Promise<Ports> {
  const next = () => stablePort(taken);
  return {
    gateway: await next(),
    vps: await next(),
    integration: await next(),
    voucher: await next(),
    sms: await next(),
    vpsTap: await next(),
    callbackTap: await next(),
  };
}

const url = (port: number) => `http://127.0.0.1:${port}`;

/**
 * Every process's environment: the run's own broker, database and ports (nothing inherited from the caller may point a
 * service at the shared ones), the reference timings, no sign-in, no rate limit (all customers share 127.0.0.1).
 */
export function serviceEnvironment(
  options: ChaosOptions,
  ports: Ports,
  brokers: string[],
  databaseUrl: string,
  dir: string,
): NodeJS.ProcessEnv {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !/^(KAFKA_|DATABASE_|LOCAL_KAFKA_|LOCAL_POSTGRES_|DATA_DIR$|AUTH_|VPS_|SMS_|ADMIN_)/.test(name),
    ),
  );
  return {
    ...inherited,
    HOST: '127.0.0.1',
    GATEWAY_PORT: String(ports.gateway),
    VPS_PORT: String(ports.vps),
    INTEGRATION_PORT: String(ports.integration),
    VOUCHER_PORT: String(ports.voucher),
    SMS_PORT: String(ports.sms),
    VPS_URL: url(ports.vpsTap),
    INTEGRATION_PUBLIC_URL: url(ports.callbackTap),
    VOUCHER_SERVICE_URL: url(ports.voucher),
    SMS_URL: url(ports.sms),
    KAFKA_BROKERS: brokers.join(','),
    KAFKA_NAMESPACE: '',
    KAFKA_TOPIC_PARTITIONS: '6',
    // KAFKA_REPLICATION_FACTOR unset: the topics get as many copies as the cluster allows (three, two in sync, from three nodes).
    DATABASE_URL: databaseUrl,
    AUTH_REQUIRED: 'false',
    // voucher-service refuses to start without it; the same key for every start of the run.
    CURSOR_SECRET: randomBytes(32).toString('base64url'),
    VOUCHER_SERVICE_TOKEN,
    // Each process's operations port (metrics, readiness reasons) is picked by the OS: port + 1000 could clash.
    ADMIN_PORT: '0',
    // The replicas of a service share its public port (SO_REUSEPORT): the kernel spreads connections over the live ones.
    ...(options.replicas > 1 ? { LISTEN_REUSE_PORT: 'true' } : {}),
    RATE_LIMIT_PER_MINUTE: '1000000000',
    // The simulators' admin routes and inbox stay open and the VPS may call the callback tap (as under npm start).
    LOCAL_DEMO: 'true',
    ...Object.fromEntries(Object.entries(TIMINGS).map(([name, value]) => [name, String(value)])),
    VPS_TRAFFIC: VPS_TRAFFIC.profile,
    VPS_SEED: String(options.seed),
    // A provider remembers its requests across a restart; so does the simulator, in a file of the run's own.
    VPS_STATE_FILE: join(dir, 'vps-requests.jsonl'),
    VPS_ERROR_RATE: String(VPS_FAULTS.errorRate),
    VPS_TIMEOUT_RATE: String(VPS_FAULTS.timeoutRate),
    VPS_DUPLICATE_CALLBACK_RATE: String(VPS_FAULTS.duplicateCallbackRate),
    VPS_FORGED_CALLBACK_RATE: String(VPS_FAULTS.forgedCallbackRate),
    LOG_LEVEL: options.logLevel,
    LOG_FORMAT: 'json',
  };
}
