import { startStack, type Stack } from '@voucher/system-tests';
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
  if (settings.replicas > 1) {
    // startStack runs one process per service; `--replicas` waits for its { replicas } option (issue 14).
    throw new Error(`--replicas ${settings.replicas}: the system-test stack cannot start replicas yet`);
  }
  // Node writes each process's profile when it exits (the stack stops them gracefully), named by pid.
  const profiling = settings.cpuProfileDir ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${settings.cpuProfileDir}` } : {};
  const stack = await startStack({ ...benchOverrides, ...profiling, ...overrides });
  try {
    return await work(stack);
  } finally {
    await stack.stop();
  }
}

export function pidOf(stack: Stack, name: string): number {
  const pid = stack.processes.find((supervised) => supervised.name === name)?.child.pid;
  if (pid === undefined) throw new Error(`the stack has no running ${name}`);
  return pid;
}
