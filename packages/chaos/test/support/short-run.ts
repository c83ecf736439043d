import assert from 'node:assert/strict';
import { formatReport, parseOptions, runChaos, type ChaosResult } from '../../src/index.ts';

/**
 * One short chaos run (`npm run chaos -- --short` plus `extraArgs`) with the seed from CHAOS_SEED (to replay a run) or
 * a random one; prints the report and asserts what every run must show: the chaos line's format, every accepted request
 * with one outcome, nothing lost, duplicated, misdelivered or stuck, every /readyz back within 30 s, and the run's
 * verdict (which also covers forged callbacks and, with replicas, customer-facing errors).
 */
export async function shortChaosRun(extraArgs: string[] = []): Promise<ChaosResult> {
  const seed = process.env.CHAOS_SEED ?? String(Math.floor(Math.random() * 1_000_000));
  const options = parseOptions(['--short', '--seed', seed, ...extraArgs]);
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
  return result;
}
