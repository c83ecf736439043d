export { backoffDelay } from './backoff.ts';
export { startPeriodicTask } from './periodic-task.ts';
export { runUntilSignalled, type Stoppable } from './service-runner.ts';
