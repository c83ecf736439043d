import type { BenchReport } from './bench-report.ts';
import { evaluateTargets } from './targets.ts';

const verdict = (met: boolean | undefined) => (met === undefined ? 'n/a' : met ? 'met' : 'MISSED');

/** The plain-text table printed at the end of a run. */
export function renderTable(report: BenchReport): string {
  const rows = evaluateTargets(report).map((row) => [row.id, row.measured, row.target, verdict(row.met)]);
  const all = [['scenario', 'measured', 'target', 'result'], ...rows];
  const widths = all[0]!.map((_, column) => Math.max(...all.map((row) => row[column]!.length)));
  const line = (row: string[]) => row.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ');
  return [line(all[0]!), widths.map((width) => '-'.repeat(width)).join('-|-'), ...rows.map(line)].join('\n');
}
