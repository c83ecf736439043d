import { startExtraProcess, startStack, type Stack } from '@voucher/system-tests';
import { scrapeMetric } from './measure/probes.ts';
import type { BenchSettings } from './settings.ts';

/**
 * Settings every scenario's stack shares: customers need no sign-in (the seed's plain calls), and the per-address rate
 * limit is lifted because all load comes from 127.0.0.1.
 */
const benchOverrides: NodeJS.ProcessEnv = {
  AUTH_REQUIRED: 'false',
  RATE_LIMIT_PER_MINUTE: '1000000000',
  // The sse scenario holds 10,000 streams on one request: the per-customer cap (a guard against one abuser) is lifted.
  SSE_MAX_STREAMS_PER_CUSTOMER: '1000000',
  // 'fatal': shutdown races between processes (a consumer still sending while the SMS simulator stops) are noise here.
  LOG_LEVEL: process.env.STACK_LOG_LEVEL ?? 'fatal',
};

/** Starts the whole stack (its own Kafka namespace and data dir), runs `work`, and always stops it. */
export async function withStack<T>(settings: BenchSettings, overrides: NodeJS.ProcessEnv, work: (stack: Stack) => Promise<T>): Promise<T> {
  // Node writes each process's profile when it exits (the stack stops them gracefully), named by pid.
  const profiling = settings.cpuProfileDir ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${settings.cpuProfileDir}` } : {};
  const stack = await startStack({ ...benchOverrides, ...profiling, ...overrides }, { replicas: settings.replicas });
  try {
    return await work(stack);
  } finally {
    await stack.stop();
  }
}

export type BankService = keyof Stack['replicas'];

/** One metric summed over every process of a bank service (its replicas each count their own). */
export async function scrapeService(stack: Stack, service: BankService, name: string): Promise<number> {
  const values = await Promise.all(stack.replicas[service].map((replica) => scrapeMetric(replica.adminUrl, name)));
  return values.reduce((sum, value) => sum + value, 0);
}

/** The process ids of every replica of a bank service. */
export function pidsOf(stack: Stack, service: BankService): number[] {
  return stack.replicas[service].map((replica) => {
    if (replica.process.child.pid === undefined) throw new Error(`${replica.name} is not running`);
    return replica.process.child.pid;
  });
}

/**
 * Stops every replica of the given services, and returns a function that starts as many again (sharing the port when
 * there are several, each on an operations port of its own choosing).
 */
export async function stopReplicas(stack: Stack, services: BankService[]): Promise<() => Promise<void>> {
  const stopped = services.flatMap((service) => stack.replicas[service]);
  for (const replica of stopped) {
    replica.process.child.kill('SIGTERM');
    await replica.process.exited;
  }
  const several = stopped.length > services.length;
  const overrides: NodeJS.ProcessEnv = several ? { LISTEN_REUSE_PORT: 'true', ADMIN_PORT: '0' } : {};
  return async () => {
    for (const replica of stopped) await startExtraProcess(stack, replica.name.replace(/-\d+$/, ''), overrides);
  };
}
