import { startProcess, stopAll, systemProcesses, waitUntilHealthy, type Supervised } from '@voucher/launcher';
import { uniqueNamespace } from '@voucher/platform/testing';

export interface Stack {
  urls: { gateway: string; vps: string; integration: string; voucher: string; sms: string };
  /** Each process's operations port (/metrics, /readyz with reasons): its port + 1000, as the services default to. */
  adminUrls: { gateway: string; vps: string; integration: string; voucher: string; sms: string };
  env: NodeJS.ProcessEnv;
  processes: Supervised[];
  stop(): Promise<void>;
}

const urlOf = (port: number) => `http://127.0.0.1:${port}`;

/**
 * Starts every process of the spec on its default port (so the seed's curl commands work verbatim), in a Kafka namespace
 * of its own, on the test run's database. `overrides` shrink timings or change settings; `extra` adds more processes (another
 * gateway replica, say) with their own overrides.
 */
export async function startStack(overrides: NodeJS.ProcessEnv = {}): Promise<Stack> {
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
    ...overrides,
  };
  const processes: Supervised[] = [];
  const stop = () => stopAll(processes, 10_000);
  try {
    for (const [index, spec] of systemProcesses.entries()) {
      processes.push(startProcess(spec.name, [spec.entry], env, index));
      await waitUntilHealthy(`${urlOf(Number(env[spec.portVariable] ?? spec.defaultPort))}/healthz`, 60_000);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  const port = (name: string, fallback: number) => Number(env[name] ?? fallback);
  const adminUrlOf = (name: string, fallback: number) => urlOf(port(name, fallback) + 1000);
  return {
    urls: {
      gateway: urlOf(port('GATEWAY_PORT', 8080)),
      vps: urlOf(port('VPS_PORT', 8081)),
      integration: urlOf(port('INTEGRATION_PORT', 8082)),
      voucher: urlOf(port('VOUCHER_PORT', 8083)),
      sms: urlOf(port('SMS_PORT', 8084)),
    },
    adminUrls: {
      gateway: adminUrlOf('GATEWAY_PORT', 8080),
      vps: adminUrlOf('VPS_PORT', 8081),
      integration: adminUrlOf('INTEGRATION_PORT', 8082),
      voucher: adminUrlOf('VOUCHER_PORT', 8083),
      sms: adminUrlOf('SMS_PORT', 8084),
    },
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
  await waitUntilHealthy(`${urlOf(Number(env[spec.portVariable] ?? spec.defaultPort))}/healthz`, 60_000);
  return supervised;
}
