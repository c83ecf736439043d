import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

/** Resident memory of a process in MB, from /proc/<pid>/status (Linux). */
export async function residentMegabytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kilobytes = Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1] ?? Number.NaN);
  return Math.round((kilobytes / 1024) * 10) / 10;
}

/** Sum of every sample of one Prometheus series (all label sets) in a /metrics text. */
export function metricSum(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== ' ' && rest[0] !== '{') continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

export async function scrapeMetric(baseUrl: string, name: string): Promise<number> {
  const response = await fetch(`${baseUrl}/metrics`);
  return metricSum(await response.text(), name);
}

export async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
  return (await response.json()) as T;
}

export async function putJson(url: string, body: unknown): Promise<void> {
  const response = await fetch(url, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`PUT ${url} answered ${response.status}: ${await response.text()}`);
}

export interface Sample {
  atMs: number;
  value: number;
}

/**
 * Polls `probe` every `everyMs` until `done(value)` or `timeoutMs`, keeping every sample (time since the call). Bounded
 * in time whatever the probe returns.
 */
export async function pollUntil(
  probe: () => Promise<number>,
  done: (value: number) => boolean,
  options: { everyMs: number; timeoutMs: number },
): Promise<{ samples: Sample[]; finished: boolean }> {
  const started = performance.now();
  const samples: Sample[] = [];
  while (performance.now() - started < options.timeoutMs) {
    const value = await probe();
    samples.push({ atMs: performance.now() - started, value });
    if (done(value)) return { samples, finished: true };
    await sleep(options.everyMs);
  }
  return { samples, finished: false };
}
