export { chaosLine, reconcile, type Evidence, type Reconciliation } from './reconcile.ts';
export { formatReport } from './report.ts';
export { parseOptions, type ChaosOptions } from './options.ts';
export { runChaos, type ChaosResult } from './run.ts';
