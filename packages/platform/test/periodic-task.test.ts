import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setImmediate } from 'node:timers/promises';
import { startPeriodicTask } from '../src/lifecycle/index.ts';
import { createLogger } from '../src/logging/index.ts';
import { testClock, waitFor } from '../src/testing/index.ts';

const logger = createLogger('periodic-test', 'silent');

test('a run that reports more work starts the next at once; a failed run is retried at the next interval', async () => {
  const clock = testClock();
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
    { timers: clock },
  );
  // Once a run is over, the next one waits on the clock: its timer is the one pending.
  const nextScheduled = () => waitFor(() => clock.pendingTimers === 1, 'the next run to be scheduled');
  clock.advance(50);
  await nextScheduled();
  assert.equal(runs, 3, 'two back-to-back runs and the failure, with the clock standing still');
  clock.advance(49);
  assert.equal(runs, 3, 'the failed run is not retried before the interval');
  clock.advance(1);
  await nextScheduled();
  assert.equal(runs, 4, 'then on schedule');
  await task.close();
});

test('close() waits for the running run and stops the schedule', async () => {
  const clock = testClock();
  const release = Promise.withResolvers<void>();
  let runs = 0;
  let finished = false;
  const task = startPeriodicTask(
    'test',
    10,
    async () => {
      runs++;
      await release.promise;
      finished = true;
      return false;
    },
    logger,
    { timers: clock },
  );
  clock.advance(10);
  assert.equal(runs, 1, 'a run is under way');
  let closeReturned = false;
  const closing = task.close().then(() => (closeReturned = true));
  // Every pending callback has run by now: a close() that did not wait for the run would have returned.
  await setImmediate();
  assert.equal(closeReturned, false, 'close() waits while the run is under way');
  release.resolve();
  await closing;
  assert.equal(finished, true);
  assert.equal(clock.pendingTimers, 0, 'nothing is scheduled after close');
  clock.advance(1_000);
  assert.equal(runs, 1, 'no run after close');
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
