import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import type { BenchReport } from './bench-report.ts';
import { renderMarkdown } from './markdown.ts';
import { renderLatencyChart } from './svg-chart.ts';

/** Writes FILE (JSON), the chart beside it (FILE with .svg), and the Markdown page that links both. */
export async function writeOutputs(report: BenchReport, jsonPath: string, markdownPath: string): Promise<{ svgPath: string }> {
  const svgPath = join(dirname(jsonPath), `${basename(jsonPath, '.json')}.svg`);
  await mkdir(dirname(jsonPath), { recursive: true });
  await writeFile(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(svgPath, renderLatencyChart(report));
  const fromMarkdown = (path: string) => relative(dirname(markdownPath), path);
  await writeFile(markdownPath, renderMarkdown(report, { json: fromMarkdown(jsonPath), svg: fromMarkdown(svgPath) }));
  return { svgPath };
}
