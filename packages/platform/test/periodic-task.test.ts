import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { startPeriodicTask } from '../src/lifecycle/index.ts';
import { createLogger } from '../src/logging/index.ts';

const logger = createLogger('periodic-test', 'silent');

test('a run that reports more work starts the next at once; a failed run is retried at the next interval', async () => {
  const outcomes: Array<boolean | Error> = [true, true, new Error('database down'), false];
  let runs = 0;
  const task = startPeriodicTask(
    'test',
    50,
    async () => {
      const outcome = outcomes[runs++] ?? false;
      if (outcome instanceof Error) throw outcome;
      return outcome;
    },
    logger,
  );
  await sleep(130);
  await task.close();
  assert.ok(runs >= 4, `ran ${runs} times: two back-to-back, one failure, then on schedule`);
});

test('close() waits for the running run and stops the schedule', async () => {
  let runs = 0;
  let finished = false;
  const task = startPeriodicTask(
    'test',
    10,
    async () => {
      runs++;
      await sleep(50);
      finished = true;
      return false;
    },
    logger,
  );
  await sleep(20);
  await task.close();
  assert.equal(finished, true);
  const after = runs;
  await sleep(40);
  assert.equal(runs, after, 'no run after close');
});

test('a poke runs the task at once instead of at the next interval, and close() can run it a last time', async () => {
  let runs = 0;
  const ran = new Set<() => void>();
  const nextRun = () => new Promise<void>((resolve) => ran.add(resolve));
  const task = startPeriodicTask(
    'poked',
    60_000,
    async () => {
      runs++;
      for (const resolve of ran) resolve();
      ran.clear();
      return false;
    },
    logger,
    { runOnClose: true },
  );
  const first = nextRun();
  task.poke();
  await first;
  assert.equal(runs, 1, 'ran on the poke, long before the minute is up');
  await task.close();
  assert.equal(runs, 2, 'and once more on close');
});
