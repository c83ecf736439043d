import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repositoryRoot = resolve(fileURLToPath(new URL('../../..', import.meta.url)));

export interface ProcessSpec {
  name: string;
  entry: string;
  portVariable: string;
  defaultPort: number;
  /** A bank service, run as `--replicas N` processes sharing its port; the simulators (third parties) run once. */
  replicated: boolean;
}

/** Every process of the spec, in start order: the simulators first, the gateway (which customers reach) last. */
export const systemProcesses: ProcessSpec[] = [
  { name: 'vps', portVariable: 'VPS_PORT', defaultPort: 8081, replicated: false },
  { name: 'sms', portVariable: 'SMS_PORT', defaultPort: 8084, replicated: false },
  { name: 'voucher-service', portVariable: 'VOUCHER_PORT', defaultPort: 8083, replicated: true },
  { name: 'voucher-integration-service', portVariable: 'INTEGRATION_PORT', defaultPort: 8082, replicated: true },
  { name: 'gateway', portVariable: 'GATEWAY_PORT', defaultPort: 8080, replicated: true },
].map((spec) => ({ ...spec, entry: join(repositoryRoot, 'services', spec.name, 'src', 'main.ts') }));

/** The public port `spec` listens on in `env`. */
export const portOf = (spec: ProcessSpec, env: NodeJS.ProcessEnv) => Number(env[spec.portVariable] ?? spec.defaultPort);

/**
 * The operations port of replica `replica` (from 0) of a process whose public port is `port`: the first one's is the
 * services' own default (port + 1000: 9080 for the gateway), each next one 100 higher (9180, 9280, …), so that no two
 * replicas of the five processes (8080–8084) collide, whatever N, nor with the local Kafka nodes (9092–9097).
 */
export const adminPortOf = (port: number, replica: number) => port + 1000 + 100 * replica;

export interface Replica {
  /** `gateway`, or `gateway-1`, `gateway-2`, … when there are several. */
  name: string;
  env: NodeJS.ProcessEnv;
  /** Its operations port's base URL (/metrics, /readyz with reasons); undefined when ADMIN_PORT=0 lets it pick one. */
  adminUrl: string | undefined;
}

/**
 * The processes of `spec` to run: `replicas` of a bank service, sharing its public port (LISTEN_REUSE_PORT=true once
 * there are two or more), each on its own operations port (adminPortOf, unless ADMIN_PORT is set: `0` lets each pick
 * a free one and log it); a simulator once.
 */
export function replicasOf(spec: ProcessSpec, env: NodeJS.ProcessEnv, replicas: number): Replica[] {
  const count = spec.replicated ? replicas : 1;
  return Array.from({ length: count }, (_, replica) => {
    const adminPort = env.ADMIN_PORT?.trim() ? Number(env.ADMIN_PORT) : adminPortOf(portOf(spec, env), replica);
    return {
      name: count === 1 ? spec.name : `${spec.name}-${replica + 1}`,
      env: { ...env, ADMIN_PORT: String(adminPort), ...(count > 1 ? { LISTEN_REUSE_PORT: 'true' } : {}) },
      adminUrl: adminPort === 0 ? undefined : `http://127.0.0.1:${adminPort}`,
    };
  });
}
