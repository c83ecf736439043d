/**
 * The sum of every sample of `name` whose labels match `labels` on a process's Prometheus page (`<adminUrl>/metrics`),
 * 0 when there is none yet: what one replica counted, over all the label values a test does not care about.
 */
export async function metricSum(adminUrl: string, name: string, labels: RegExp = /.*/): Promise<number> {
  const text = await (await fetch(`${adminUrl}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) && labels.test(line))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}
