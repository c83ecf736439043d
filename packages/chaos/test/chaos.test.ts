import { test } from 'node:test';
import { shortChaosRun } from './support/short-run.ts';

/**
 * The short chaos run (`npm run chaos -- --short`) against real processes, its own broker and its own PostgreSQL:
 * ~300 purchases over ~40 s while each bank service is SIGKILLed and restarted, the broker and the database server are
 * crashed and restarted, and the SMS gateway fails for 5 s. Every accepted request must end told exactly once, to the
 * right customer, and every /readyz must be 200 again within 30 s of the last fault. CHAOS_SEED replays a run.
 */
test('short chaos run: nothing lost, duplicated, misdelivered or stuck; every service ready again', { timeout: 280_000 }, async () => {
  await shortChaosRun();
});
