import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PartitionProgress } from '../src/kafka/index.ts';

test('only a finished prefix is committable: a slow message holds the offset back', () => {
  const progress = new PartitionProgress<string>();
  for (const offset of [10n, 11n, 12n, 13n]) progress.start(offset, `m${offset}`);
  assert.equal(progress.finish(11n), undefined, '11 is done but 10 is not');
  assert.equal(progress.finish(13n), undefined);
  assert.equal(progress.finish(10n), 'm11', '10 and 11 are done: commit through 11');
  assert.equal(progress.finish(12n), 'm13', 'everything is done');
  assert.equal(progress.inFlight, 0);
});

test('a rewound offset is recognised (the partition was reassigned)', () => {
  const progress = new PartitionProgress<string>();
  progress.start(5n, 'a');
  assert.equal(progress.follows(6n), true);
  assert.equal(progress.follows(5n), false);
});

test('finishing an unknown offset changes nothing', () => {
  const progress = new PartitionProgress<string>();
  progress.start(1n, 'a');
  assert.equal(progress.finish(7n), undefined);
  assert.equal(progress.inFlight, 1);
});
