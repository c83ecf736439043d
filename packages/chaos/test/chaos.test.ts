import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatReport, parseOptions, runChaos } from '../src/index.ts';

/**
 * The short chaos run (`npm run chaos -- --short`) against real processes, its own broker and its own PostgreSQL:
 * ~300 purchases over ~40 s while each bank service is SIGKILLed and restarted, the broker and the database server are
 * crashed and restarted, and the SMS gateway fails for 5 s. Every accepted request must end told exactly once, to the
 * right customer, and every /readyz must be 200 again within 30 s of the last fault. CHAOS_SEED replays a run.
 */
test('short chaos run: nothing lost, duplicated, misdelivered or stuck; every service ready again', { timeout: 280_000 }, async () => {
  const seed = process.env.CHAOS_SEED ?? String(Math.floor(Math.random() * 1_000_000));
  const options = parseOptions(['--short', '--seed', seed]);
  const started = Date.now();
  const result = await runChaos(options, (line) => console.log(`[chaos] ${line}`));
  result.timings.totalMs = Date.now() - started;
  const report = formatReport(result);
  console.log(report.join('\n'));
  const line = report.at(-1)!;
  assert.match(
    line,
    /^chaos: accepted \d+, delivered-web \d+, delivered-sms \d+, failed \d+, lost \d+, duplicated \d+, wrong-person \d+, stuck \d+$/,
  );
  const r = result.reconciliation;
  assert.ok(r.accepted > 0, 'some purchases were accepted');
  assert.equal(r.web + r.sms + r.failed + r.lost + r.stuck, r.accepted, 'every accepted request has one outcome');
  assert.deepEqual(
    { lost: r.lost, duplicated: r.duplicated, wrongPerson: r.wrongPerson, stuck: r.stuck },
    { lost: 0, duplicated: 0, wrongPerson: 0, stuck: 0 },
    `seed ${seed}: ${line}`,
  );
  assert.ok(result.readinessOk, `seed ${seed}: every /readyz 200 within 30 s of the last fault`);
  assert.ok(result.ok, `seed ${seed}: the run's verdict`);
});
