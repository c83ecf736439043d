import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import type { BenchReport } from './bench-report.ts';
import { renderMarkdown } from './markdown.ts';
import { renderLatencyChart } from './svg-chart.ts';

/**
 * Writes FILE (JSON), the chart beside it (FILE with .svg), and the Markdown page that links both, with a run on the
 * other database (`comparePath`, a JSON of an earlier run) side by side when given.
 */
export async function writeOutputs(
  report: BenchReport,
  jsonPath: string,
  markdownPath: string,
  comparePath?: string,
): Promise<{ svgPath: string }> {
  const svgPath = join(dirname(jsonPath), `${basename(jsonPath, '.json')}.svg`);
  await mkdir(dirname(jsonPath), { recursive: true });
  await writeFile(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(svgPath, renderLatencyChart(report));
  const fromMarkdown = (path: string) => relative(dirname(markdownPath), path);
  const other = comparePath ? (JSON.parse(await readFile(comparePath, 'utf8')) as BenchReport) : undefined;
  const paths = { json: fromMarkdown(jsonPath), svg: fromMarkdown(svgPath), other: comparePath && fromMarkdown(comparePath) };
  await writeFile(markdownPath, renderMarkdown(report, paths, other));
  return { svgPath };
}
