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
