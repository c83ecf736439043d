import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom, uniformInteger } from '../src/random/index.ts';

const draws = (seed: number, count: number) => {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => random());
};

test('a seed draws the same sequence every time, so a chaos run or a simulator profile can be repeated', () => {
  assert.deepEqual(draws(258998, 1000), draws(258998, 1000));
  assert.notDeepEqual(draws(258998, 20), draws(258999, 20), 'the next seed draws another sequence');
});

test('every draw is in [0, 1), and they spread over the whole range', () => {
  const values = draws(7, 10_000);
  assert.ok(values.every((value) => value >= 0 && value < 1));
  const tenths = new Set(values.map((value) => Math.floor(value * 10)));
  assert.equal(tenths.size, 10, 'each tenth of the range is drawn');
});

test('uniformInteger stays within min and max, both included, and reaches both', () => {
  const random = seededRandom(42);
  const seen = new Set(Array.from({ length: 2000 }, () => uniformInteger(random, 3, 7)));
  assert.deepEqual([...seen].sort(), [3, 4, 5, 6, 7]);
});
