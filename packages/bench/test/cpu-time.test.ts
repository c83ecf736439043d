import { test } from 'node:test';
import assert from 'node:assert/strict';
import { measureCpu } from '../src/measure/cpu-time.ts';

/** Spins on this thread until the process has used `ms` more CPU milliseconds (by Node's own account). */
function spinFor(ms: number): number {
  const start = process.cpuUsage();
  for (;;) {
    const used = process.cpuUsage(start);
    if ((used.user + used.system) / 1000 >= ms) return 1;
  }
}

test('the CPU a measured run cost is read from /proc: this process spinning 200 ms over 4 requests is about 50 ms each', async () => {
  const { result, cpu } = await measureCpu(
    [process.pid],
    async () => spinFor(200) * 4,
    (requests) => requests,
  );
  assert.equal(result, 4);
  assert.ok(cpu, '/proc can be read here');
  // /proc counts in 10 ms ticks; the machine's figure includes this process, so it is at least as large.
  assert.ok(cpu.serverUs >= 45_000 && cpu.serverUs <= 70_000, `server ${cpu.serverUs} µs per request`);
  assert.ok(cpu.machineUs >= cpu.serverUs - 5_000, `machine ${cpu.machineUs} µs per request`);
});
