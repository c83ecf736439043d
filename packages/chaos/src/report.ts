import { chaosLine, type ProblemKind } from './reconcile.ts';
import type { ChaosResult } from './run.ts';

const seconds = (ms: number | undefined) => (ms === undefined ? 'never' : `${(ms / 1000).toFixed(1)} s`);
const at = (ms: number) => `+${(ms / 1000).toFixed(1)} s`;
const PROBLEMS_SHOWN = 8;
const EVIDENCE_LINES = 3;

/** The log lines (any service) that mention `needle`, a few per service, shortened. */
export function logLinesAbout(logs: Map<string, string>, needle: string): string[] {
  const found: string[] = [];
  for (const [name, text] of logs) {
    const lines = text.split('\n').filter((line) => line.includes(needle));
    for (const line of lines.slice(0, EVIDENCE_LINES)) found.push(`[${name}] ${line.length > 400 ? `${line.slice(0, 400)}…` : line}`);
  }
  return found;
}

/** Each service's warnings and errors, grouped by message, most frequent first. */
export function warningSummary(logs: Map<string, string>, top = 6): string[] {
  const out: string[] = [];
  for (const [name, text] of logs) {
    const counts = new Map<string, number>();
    for (const line of text.split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        const entry = JSON.parse(line) as { level?: number; msg?: string };
        if ((entry.level ?? 0) < 40) continue;
        const label = `${entry.level! >= 50 ? 'error' : 'warn'}: ${entry.msg ?? '?'}`;
        counts.set(label, (counts.get(label) ?? 0) + 1);
      } catch {
        // not a log line (a stack trace, say)
      }
    }
    const sorted = [...counts].sort((a, b) => b[1] - a[1]).slice(0, top);
    if (sorted.length > 0) out.push(`  ${name}: ${sorted.map(([label, count]) => `${count}× ${label}`).join('; ')}`);
  }
  return out;
}

/** The short report of what happened, then the one chaos line (last). */
export function formatReport(result: ChaosResult): string[] {
  const { options, reconciliation: r } = result;
  const lines: string[] = [];
  lines.push(
    `chaos report: seed ${options.seed}, ${options.requests} purchases over ${options.seconds} s, ${options.numbers} numbers, ` +
      `${Math.round(options.pageShare * 100)}% with a page${options.short ? ' (short)' : ''}; ` +
      `${options.brokers === 1 ? 'one Kafka broker' : `${options.brokers} Kafka nodes`}, ${options.replicas} of each bank service`,
  );
  lines.push(
    `timings: start-up ${seconds(result.timings.startupMs)}, load ${seconds(result.timings.loadMs)}, ` +
      `drain ${seconds(result.drain.waitedMs)}${result.drain.settled ? '' : ' (bound reached)'}, total ${seconds(result.timings.totalMs)}`,
  );
  lines.push('faults (times from the start of the load; "ready" = /readyz 200 again, of the killed process or of every process):');
  for (const fault of result.faults) {
    const lifted = fault.liftedAt === undefined ? 'never lifted' : `lifted ${at(fault.liftedAt)}`;
    const back = fault.endedAt !== undefined && fault.endedAt - (fault.liftedAt ?? 0) > 500 ? `, back ${at(fault.endedAt)}` : '';
    const ready = fault.endedAt === undefined ? '' : `, ready ${seconds(result.readyAfter.get(fault))} after that`;
    lines.push(`  ${at(fault.startedAt)} ${fault.name}: ${lifted}${back}${ready}${fault.error ? ` (went wrong: ${fault.error})` : ''}`);
  }
  lines.push(
    `readiness after the last fault (over ${at(result.lastFaultEndedAt)}), limit ${seconds(options.readyWithinMs)}: ` +
      result.recovery
        .map((service) => `${service.name} ${seconds(service.afterMs)}${service.readyAtEnd ? '' : ' (not ready at the end)'}`)
        .join(', ') +
      ` → ${result.readinessOk ? 'ok' : 'FAILED'}`,
  );
  if (result.crashes.length === 0) lines.push('crashes: none (every exit was a planned kill)');
  for (const crash of result.crashes) {
    const last = crash.lastLines.filter((line) => /"level":(50|60)|Error/.test(line)).at(-1) ?? crash.lastLines.at(-1) ?? '';
    const label = crash.replica > 1 ? `${crash.name}-${crash.replica}` : crash.name;
    lines.push(`crash: ${label} exited on its own (code ${crash.code}, signal ${crash.signal}): ${last.slice(0, 300)}`);
  }
  const purchases = result.purchases;
  const byStatus = new Map<string, number>();
  for (const attempt of purchases.flatMap((purchase) => purchase.attempts)) {
    const label = attempt.status === 0 ? `network(${attempt.error})` : String(attempt.status);
    byStatus.set(label, (byStatus.get(label) ?? 0) + 1);
  }
  const gaveUp = purchases.filter((purchase) => !purchase.requestId);
  const pages = purchases.filter((purchase) => purchase.page);
  lines.push(
    `load: ${purchases.length} purchases, ${r.accepted} accepted, ${gaveUp.length} never accepted; attempts by answer: ` +
      [...byStatus].map(([label, count]) => `${label} ${count}`).join(', '),
  );
  const errors = result.customerErrors;
  const unexcused = new Map<string, number>();
  for (const attempt of errors.unexcused) {
    const label = attempt.status === 0 ? `network(${attempt.error})` : String(attempt.status);
    unexcused.set(label, (unexcused.get(label) ?? 0) + 1);
  }
  lines.push(
    `customer-facing errors (5xx or no answer): ${errors.total}, ${errors.inFlightOnKilledGateway} in flight on a killed gateway, ` +
      `${errors.unexcused.length} others${unexcused.size ? ` (${[...unexcused].map(([label, count]) => `${label} ${count}`).join(', ')})` : ''}` +
      (options.replicas > 1 ? ` → ${errors.unexcused.length === 0 ? 'ok' : 'FAILED'}` : ' (allowed without replicas)'),
  );
  lines.push(
    `pages: ${pages.length} open, ${pages.reduce((sum, p) => sum + p.page!.connections, 0)} connections, ` +
      `${pages.filter((p) => p.page!.final).length} got their final event`,
  );
  const ledger = result.ledger;
  lines.push(
    `VPS on the wire: ${ledger.answers} codes answered, ${ledger.acknowledgements} acknowledged, ${ledger.failedCalls} calls failed, ` +
      `${ledger.callbacks} callbacks (${ledger.forged.length} forged, ${ledger.forgedAccepted().length} of them accepted); ` +
      `its counters: ${Object.entries(result.vpsStats)
        .map(([name, value]) => `${name} ${value}`)
        .join(', ')}`,
  );
  lines.push(
    `SMS inbox: ${result.smsMessages} messages${result.smsPossibleGaps ? ` (${result.smsPossibleGaps} polls may have missed some)` : ''}; topics: ` +
      Object.entries(result.topicCounts)
        .map(([topic, count]) => `${topic} ${count}`)
        .join(', '),
  );
  const warnings = warningSummary(result.logs);
  if (warnings.length > 0) lines.push('service warnings and errors:', ...warnings);
  for (const kind of ['lost', 'duplicated', 'wrong-person', 'stuck'] as ProblemKind[]) {
    const problems = r.problems.filter((problem) => problem.kind === kind);
    if (problems.length === 0) continue;
    const causes = new Map<string, number>();
    for (const problem of problems) causes.set(problem.cause, (causes.get(problem.cause) ?? 0) + 1);
    lines.push(`${kind} (${problems.length}): ${[...causes].map(([cause, count]) => `${count}× ${cause}`).join('; ')}`);
    for (const problem of problems.slice(0, PROBLEMS_SHOWN)) {
      lines.push(`  ${problem.requestId ?? '-'}: ${problem.detail}`);
      if (problem.requestId) for (const line of logLinesAbout(result.logs, problem.requestId)) lines.push(`      ${line}`);
    }
    if (problems.length > PROBLEMS_SHOWN) lines.push(`  … and ${problems.length - PROBLEMS_SHOWN} more`);
  }
  if (r.notes.length > 0) {
    lines.push(`notes (${r.notes.length}):`);
    for (const note of r.notes.slice(0, PROBLEMS_SHOWN)) lines.push(`  ${note}`);
    if (r.notes.length > PROBLEMS_SHOWN) lines.push(`  … and ${r.notes.length - PROBLEMS_SHOWN} more`);
  }
  const forged = Math.max(result.ledger.forgedAccepted().length, result.vpsStats.forgedCallbacksAccepted ?? 0);
  if (forged > 0) lines.push(`FORGED CALLBACKS ACCEPTED: ${forged}`);
  lines.push(`verdict: ${result.ok ? 'ok' : 'FAILED'}`);
  lines.push(chaosLine(r));
  return lines;
}
