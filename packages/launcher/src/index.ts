export { ensureBroker } from './local-broker.ts';
export { ensureDatabase } from './local-database.ts';
export { adminPortOf, portOf, replicasOf, repositoryRoot, systemProcesses, type ProcessSpec, type Replica } from './processes.ts';
export { startProcess, startRestarting, stopAll, waitUntilHealthy, type RestartPolicy, type Supervised } from './supervisor.ts';
