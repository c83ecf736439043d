import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Batcher, ConcurrencyLimit } from '../src/batching/index.ts';
import { waitFor } from '../src/testing/index.ts';

test('items added together share one flush, and each gets its own result', async () => {
  const flushes: number[][] = [];
  const batcher = new Batcher<number, number>(async (items) => (flushes.push(items), items.map((item) => item * 10)), { maxInFlight: 1 });
  const results = await Promise.all([1, 2, 3].map((item) => batcher.add(item)));
  assert.deepEqual(results, [10, 20, 30]);
  assert.deepEqual(flushes, [[1, 2, 3]]);
});

test('items added while a flush runs wait and go together into the next one', async () => {
  const flushes: number[][] = [];
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const batcher = new Batcher<number>(
    async (items) => {
      flushes.push(items);
      if (flushes.length === 1) await gate;
      return items.map(() => undefined);
    },
    { maxInFlight: 1 },
  );
  const first = batcher.add(1);
  await new Promise((resolve) => setImmediate(resolve));
  const later = [2, 3, 4].map((item) => batcher.add(item));
  release();
  await Promise.all([first, ...later]);
  assert.deepEqual(flushes, [[1], [2, 3, 4]]);
});

test('a batch that fails is flushed again item by item: only the item the store refuses fails', async () => {
  const flushes: string[][] = [];
  const batcher = new Batcher<string>(async (items) => {
    flushes.push(items);
    if (items.includes('bad')) throw new Error('value out of range');
    return items.map(() => undefined);
  });
  const results = await Promise.allSettled(['a', 'bad', 'b'].map((item) => batcher.add(item)));
  assert.deepEqual(
    results.map((result) => result.status),
    ['fulfilled', 'rejected', 'fulfilled'],
  );
  assert.match(String((results[1] as PromiseRejectedResult).reason), /value out of range/);
  assert.deepEqual(flushes, [['a', 'bad', 'b'], ['a'], ['bad'], ['b']]);
  await batcher.add('c');
  await batcher.drained();
  assert.equal(batcher.pending, 0);
});

test('no batch is larger than maxBatch', async () => {
  const sizes: number[] = [];
  const batcher = new Batcher<number>(async (items) => (sizes.push(items.length), items.map(() => undefined)), {
    maxBatch: 4,
    maxInFlight: 1,
  });
  await Promise.all(Array.from({ length: 10 }, (_, index) => batcher.add(index)));
  assert.deepEqual(sizes, [4, 4, 2]);
});

test('a concurrency limit runs at most N tasks at once, in arrival order, and frees its slot on failure', async () => {
  const limit = new ConcurrencyLimit(2);
  let running = 0;
  let most = 0;
  const started: number[] = [];
  const order: number[] = [];
  // Each task runs until the test lets it finish.
  const finish = [0, 1, 2, 3, 4].map(() => Promise.withResolvers<void>());
  const task = (index: number) =>
    limit.run(async () => {
      running++;
      most = Math.max(most, running);
      started.push(index);
      await finish[index]!.promise;
      running--;
      order.push(index);
      if (index === 1) throw new Error('fails');
      return index;
    });
  const settled = Promise.allSettled([0, 1, 2, 3, 4].map(task));
  await waitFor(() => started.length >= 2, 'two tasks to start');
  assert.deepEqual(started, [0, 1], 'the first two to arrive, and no third while they run');
  finish[1]!.resolve();
  await waitFor(() => started.length >= 3, 'a task to take the slot the failed one freed');
  assert.deepEqual(started, [0, 1, 2], 'the next in arrival order');
  for (const { resolve } of finish) resolve();
  const results = await settled;
  assert.equal(most, 2);
  assert.deepEqual(started, [0, 1, 2, 3, 4]);
  assert.deepEqual(order.slice().sort(), [0, 1, 2, 3, 4]);
  assert.equal(results[1]!.status, 'rejected');
  assert.deepEqual(
    results.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<number>).value),
    [0, 2, 3, 4],
  );
});
