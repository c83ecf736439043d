import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repositoryRoot = resolve(fileURLToPath(new URL('../../..', import.meta.url)));

export interface ProcessSpec {
  name: string;
  entry: string;
  portVariable: string;
  defaultPort: number;
}

/** Every process of the spec, in start order: the simulators first, the gateway (which customers reach) last. */
export const systemProcesses: ProcessSpec[] = [
  { name: 'vps', portVariable: 'VPS_PORT', defaultPort: 8081 },
  { name: 'sms', portVariable: 'SMS_PORT', defaultPort: 8084 },
  { name: 'voucher-service', portVariable: 'VOUCHER_PORT', defaultPort: 8083 },
  { name: 'voucher-integration-service', portVariable: 'INTEGRATION_PORT', defaultPort: 8082 },
  { name: 'gateway', portVariable: 'GATEWAY_PORT', defaultPort: 8080 },
].map((spec) => ({ ...spec, entry: join(repositoryRoot, 'services', spec.name, 'src', 'main.ts') }));
