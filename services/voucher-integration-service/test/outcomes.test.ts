import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelay } from '@voucher/platform/lifecycle';
import { waitFor } from '@voucher/platform/testing';
import { channelFor, customerMessages, receiveCodeMessage } from '../src/outcomes.ts';
import { PerKeyQueue } from '@voucher/platform/batching';

const deadline = new Date('2026-01-01T00:00:30Z');
const before = new Date('2026-01-01T00:00:29Z');
const after = new Date('2026-01-01T00:00:31Z');

describe('outcomes', () => {
  it('decides the channel by the deadline alone: WEB when the outcome is known by then, SMS after it', () => {
    assert.equal(channelFor(deadline, before), 'WEB');
    assert.equal(channelFor(deadline, deadline), 'WEB');
    assert.equal(channelFor(deadline, after), 'SMS');
  });

  it('applies the one rule to every status: a late FAILED goes by SMS, a LATE_SUCCESS known in time goes to the page', () => {
    const request = { requestId: 'r', phoneNumber: '+84909123456', deadline };
    const channels = (['SUCCESS', 'LATE_SUCCESS', 'FAILED'] as const).map((status) => [
      status,
      receiveCodeMessage(request, status, 'VC-1', before).channel,
      receiveCodeMessage(request, status, 'VC-1', after).channel,
    ]);
    assert.deepEqual(channels, [
      ['SUCCESS', 'WEB', 'SMS'],
      // The VPS's own clock said late, but the page is still waiting: the bank's deadline decides.
      ['LATE_SUCCESS', 'WEB', 'SMS'],
      ['FAILED', 'WEB', 'SMS'],
    ]);
  });

  it('never puts a voucher code on a FAILED message', () => {
    const request = { requestId: 'r', phoneNumber: '+84909123456', deadline };
    const failed = receiveCodeMessage(request, 'FAILED', 'VC-1', before);
    assert.equal('voucherCode' in failed, false);
    assert.equal(failed.message, customerMessages.FAILED);
    assert.equal(receiveCodeMessage(request, 'SUCCESS', 'VC-1', before).voucherCode, 'VC-1');
  });
});

describe('retry backoff', () => {
  it('grows exponentially, stays under the cap, and is jittered', () => {
    assert.equal(
      backoffDelay(1, 200, 5000, () => 1),
      200,
    );
    assert.equal(
      backoffDelay(3, 200, 5000, () => 1),
      800,
    );
    assert.equal(
      backoffDelay(3, 200, 5000, () => 0),
      400,
    );
    assert.equal(
      backoffDelay(10, 200, 5000, () => 1),
      5000,
    );
  });
});

describe('per-key queue', () => {
  it('runs work for one key one at a time, and for other keys at once', async () => {
    const queue = new PerKeyQueue();
    const log: string[] = [];
    const job =
      (name: string, until: Promise<void> = Promise.resolve()) =>
      async () => {
        log.push(`start ${name}`);
        await until;
        log.push(`end ${name}`);
      };
    const a1 = Promise.withResolvers<void>(); // a1 runs until the test lets it finish
    const all = Promise.all([queue.run('a', job('a1', a1.promise)), queue.run('a', job('a2')), queue.run('b', job('b1'))]);
    await waitFor(() => log.includes('end b1'), 'b1 to finish while a1 runs');
    assert.deepEqual(log, ['start a1', 'start b1', 'end b1'], 'a2, ready to run, waits for a1; b1 does not');
    a1.resolve();
    await all;
    assert.deepEqual(log, ['start a1', 'start b1', 'end b1', 'end a1', 'start a2', 'end a2']);
    assert.equal(queue.size, 0);
  });

  it('runs the next job even when the previous one failed', async () => {
    const queue = new PerKeyQueue();
    await assert.rejects(queue.run('a', async () => Promise.reject(new Error('boom'))));
    assert.equal(await queue.run('a', async () => 'next'), 'next');
  });
});
