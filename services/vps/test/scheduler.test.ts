import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MinHeap } from '../src/scheduler/min-heap.ts';
import { testClock } from '@voucher/platform/testing';
import { Scheduler } from '../src/scheduler/scheduler.ts';

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

test('the scheduler runs tasks at their due times, in order, ties in scheduling order', () => {
  const clock = testClock();
  const scheduler = new Scheduler((error) => assert.fail(String(error)), clock);
  const ran: Array<[string, number]> = [];
  const log = (name: string) => () => ran.push([name, clock.now()]);
  const start = clock.now();
  scheduler.at(start + 60, log('c'));
  scheduler.at(start + 20, log('a'));
  scheduler.at(start + 40, log('b1'));
  scheduler.at(start + 40, log('b2'));
  scheduler.at(start - 10, log('overdue'));
  clock.advance(0);
  assert.deepEqual(ran, [['overdue', start]], 'an overdue task runs at once');
  clock.advance(39);
  assert.deepEqual(ran.slice(1), [['a', start + 20]], 'nothing runs before it is due');
  clock.advance(1);
  clock.advance(20);
  assert.deepEqual(ran.slice(2), [
    ['b1', start + 40],
    ['b2', start + 40],
    ['c', start + 60],
  ]);
  assert.equal(scheduler.size, 0);
  assert.equal(clock.pendingTimers, 0, 'one timer, gone once nothing waits');
  scheduler.close();
});

test('a task scheduled by a running task runs when it comes due', () => {
  const clock = testClock();
  const scheduler = new Scheduler((error) => assert.fail(String(error)), clock);
  const ran: number[] = [];
  scheduler.after(10, () => scheduler.after(10, () => ran.push(clock.now())));
  clock.advance(19);
  assert.deepEqual(ran, []);
  clock.advance(1);
  assert.deepEqual(ran, [clock.now()]);
  scheduler.close();
});

test('a closed scheduler runs nothing more', () => {
  const clock = testClock();
  const scheduler = new Scheduler(() => {}, clock);
  let ran = false;
  scheduler.after(10, () => (ran = true));
  scheduler.close();
  clock.advance(1_000);
  assert.equal(ran, false);
  assert.equal(clock.pendingTimers, 0, 'its timer is cleared');
});
