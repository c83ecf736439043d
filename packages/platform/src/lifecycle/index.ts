export { backoffDelay } from './backoff.ts';
export {
  startPeriodicTask,
  type LeasingWorkerSettings,
  type PeriodicTask,
  type PeriodicTaskOptions,
  type TaskTimers,
} from './periodic-task.ts';
export { runUntilSignalled, type Stoppable } from './service-runner.ts';
export { boundAddress, startParts, type StartedParts } from './service-parts.ts';
