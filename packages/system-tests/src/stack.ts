import { portOf, replicasOf, startProcess, stopAll, systemProcesses, waitUntilHealthy, type Supervised } from '@voucher/launcher';
import { uniqueNamespace } from '@voucher/platform/testing';

type Urls = { gateway: string; vps: string; integration: string; voucher: string; sms: string };

/** One process of a bank service, which a test may kill (`process.child.kill('SIGKILL')`) or scrape. */
export interface StackReplica {
  name: string;
  process: Supervised;
  /** Its operations port (/metrics, /readyz with reasons). */
  adminUrl: string;
}

export interface StackOptions {
  /** Processes of each bank service (gateway, integration, voucher-service), sharing its port; 1 by default. */
  replicas?: number;
}

export interface Stack {
  urls: Urls;
  /** The operations port of each process (of a replicated service, its first replica's): as `npm start` gives them. */
  adminUrls: Urls;
  /** Every process of each bank service, in start order. */
  replicas: { gateway: StackReplica[]; integration: StackReplica[]; voucher: StackReplica[] };
  env: NodeJS.ProcessEnv;
  processes: Supervised[];
  stop(): Promise<void>;
}

const urlOf = (port: number) => `http://127.0.0.1:${port}`;

const keyOf: Record<string, keyof Urls> = {
  gateway: 'gateway',
  vps: 'vps',
  'voucher-integration-service': 'integration',
  'voucher-service': 'voucher',
  sms: 'sms',
};

/**
 * Starts every process of the spec on its default port (so the seed's curl commands work verbatim), in a Kafka namespace
 * of its own, on the test run's database, as `npm start` does: `replicas` processes of each bank service share its port
 * (LISTEN_REUSE_PORT=true), each with an operations port of its own (port + 1000 + 100 × its index). `overrides` shrink
 * timings or change settings; startExtraProcess adds a process on a port of its own (to steer requests to it).
 */
export async function startStack(overrides: NodeJS.ProcessEnv = {}, options: StackOptions = {}): Promise<Stack> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    KAFKA_NAMESPACE: uniqueNamespace(),
    LOG_LEVEL: process.env.STACK_LOG_LEVEL ?? 'warn',
    // The services have no default keys: the tests name theirs (AUTH_SECRET stays each test's choice: unset, no sign-in).
    OTP_SECRET: 'system-test-otp-secret-0123456789abcdefghijk',
    CURSOR_SECRET: 'system-test-cursor-secret-0123456789abcdefgh',
    VOUCHER_SERVICE_TOKEN: 'system-test-voucher-service-token-0123456789',
    // The simulators' admin routes and inbox open (as in npm start), callbacks to any host; signed callbacks end to end.
    LOCAL_DEMO: 'true',
    VPS_CALLBACK_SECRET: 'whsec_c3lzdGVtLXRlc3QtY2FsbGJhY2stc2VjcmV0LTAxMjM=',
    // Every test customer comes from 127.0.0.1, and the counts live in the database all files share: a test of the limit
    // sets its own.
    RATE_LIMIT_PER_MINUTE: '100000',
    ...overrides,
  };
  const processes: Supervised[] = [];
  const stop = () => stopAll(processes, 10_000);
  const urls = {} as Urls;
  const adminUrls = {} as Urls;
  const started = {} as Record<keyof Urls, StackReplica[]>;
  try {
    for (const [index, spec] of systemProcesses.entries()) {
      const key = keyOf[spec.name]!;
      urls[key] = urlOf(portOf(spec, env));
      started[key] = [];
      for (const replica of replicasOf(spec, env, options.replicas ?? 1)) {
        const process = startProcess(replica.name, [spec.entry], replica.env, index);
        processes.push(process);
        const adminUrl = replica.adminUrl ?? urls[key];
        // Its own operations port: the next replica starts once this one serves (the shared port would not tell).
        await waitUntilHealthy(`${adminUrl}/healthz`, 60_000);
        started[key].push({ name: replica.name, process, adminUrl });
      }
      adminUrls[key] = started[key][0]!.adminUrl;
    }
    // Ready, not only serving: a consumer still joining its group holds a test's first purchase, and a short web deadline
    // then sends its code by SMS. A deployment gates traffic on /readyz the same way.
    await Promise.all(
      Object.values(started).flatMap((replicas) => replicas.map((replica) => waitUntilHealthy(`${replica.adminUrl}/readyz`, 60_000))),
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    urls,
    adminUrls,
    replicas: { gateway: started.gateway, integration: started.integration, voucher: started.voucher },
    env,
    processes,
    stop,
  };
}

/** Starts one more process of `name` with the stack's environment plus `overrides` (e.g. a second gateway replica). */
export async function startExtraProcess(stack: Stack, name: string, overrides: NodeJS.ProcessEnv): Promise<Supervised> {
  const spec = systemProcesses.find((candidate) => candidate.name === name)!;
  const env = { ...stack.env, ...overrides };
  const supervised = startProcess(`${name}-extra`, [spec.entry], env, stack.processes.length);
  stack.processes.push(supervised);
  await waitUntilHealthy(`${urlOf(portOf(spec, env))}/healthz`, 60_000);
  await waitUntilHealthy(`${urlOf(portOf(spec, env))}/readyz`, 60_000);
  return supervised;
}
