export { runUntilSignalled, type Stoppable } from './service-runner.ts';
