import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { measureCpu, measureCpuOf } from '../src/measure/cpu-time.ts';

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

test('each named group of processes gets its own figure: the spinning process its share, an idle one next to none', async () => {
  const idle = spawn('sleep', ['30']);
  try {
    const { cpu } = await measureCpuOf(
      { spinningUs: [process.pid], idleUs: [idle.pid!] },
      async () => spinFor(200) * 4,
      (requests) => requests,
    );
    assert.ok(cpu, '/proc can be read here');
    assert.ok(cpu.spinningUs >= 45_000 && cpu.spinningUs <= 70_000, `spinning ${cpu.spinningUs} µs per request`);
    assert.ok(cpu.idleUs <= 2_500, `idle ${cpu.idleUs} µs per request`);
    assert.ok(cpu.machineUs >= cpu.spinningUs - 5_000, `machine ${cpu.machineUs} µs per request`);
  } finally {
    idle.kill();
  }
});
