import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MinHeap } from '../src/scheduler/min-heap.ts';
import { Scheduler } from '../src/scheduler/scheduler.ts';
import { sleep } from './helpers.ts';

test('the min-heap gives items back smallest first', () => {
  const heap = new MinHeap<number>((a, b) => a < b);
  const values = Array.from({ length: 500 }, () => Math.floor(Math.random() * 1000));
  for (const value of values) heap.push(value);
  const drained: number[] = [];
  for (let value = heap.pop(); value !== undefined; value = heap.pop()) drained.push(value);
  assert.deepEqual(
    drained,
    values.toSorted((a, b) => a - b),
  );
});

test('the scheduler runs tasks at their due times, in order, ties in scheduling order', async () => {
  const scheduler = new Scheduler((error) => assert.fail(String(error)));
  const ran: string[] = [];
  const now = Date.now();
  scheduler.at(now + 60, () => ran.push('c'));
  scheduler.at(now + 20, () => ran.push('a'));
  scheduler.at(now + 40, () => ran.push('b1'));
  scheduler.at(now + 40, () => ran.push('b2'));
  scheduler.at(now - 10, () => ran.push('overdue'));
  await sleep(30);
  assert.deepEqual(ran, ['overdue', 'a']);
  await sleep(50);
  assert.deepEqual(ran, ['overdue', 'a', 'b1', 'b2', 'c']);
  assert.equal(scheduler.size, 0);
  scheduler.close();
});

test('a closed scheduler runs nothing more', async () => {
  const scheduler = new Scheduler(() => {});
  let ran = false;
  scheduler.after(10, () => (ran = true));
  scheduler.close();
  await sleep(30);
  assert.equal(ran, false);
});
