export { ensureBroker } from './local-broker.ts';
export { ensureDatabase } from './local-database.ts';
export { repositoryRoot, systemProcesses, type ProcessSpec } from './processes.ts';
export { startProcess, stopAll, waitUntilHealthy, type Supervised } from './supervisor.ts';
