/**
 * One sample of a service's Prometheus page (`<adminUrl>/metrics`): the first line of `name` whose labels match
 * `labels`, or 0 when there is none yet. Tests read it before and after their own event and compare: other tests of the
 * file count on the same process's metrics.
 */
export async function metricValue(adminUrl: string | undefined, name: string, labels: RegExp = /.*/): Promise<number> {
  if (!adminUrl) throw new Error('the service has no operations port (ADMIN_PORT), so no /metrics');
  const text = await (await fetch(`${adminUrl}/metrics`)).text();
  const line = text
    .split('\n')
    .find((candidate) => (candidate.startsWith(`${name}{`) || candidate.startsWith(`${name} `)) && labels.test(candidate));
  return line ? Number(line.split(' ').at(-1)) : 0;
}
