import assert from 'node:assert/strict';
import { test } from 'node:test';
import { shortChaosRun } from './support/short-run.ts';

/**
 * The short run in the bank's shape (`npm run chaos -- --short --brokers 3 --replicas 2`): a three-node KRaft cluster
 * of its own (topics with three copies, two in sync) and two processes of each bank service on one port each, while one
 * replica of each bank service and one Kafka node are SIGKILLed and started again under load. Besides the usual verdict,
 * no customer may see a 5xx or a dropped attempt, other than those in flight on the killed gateway process. It takes
 * three to five minutes on a shared two-core machine (three JVMs and eight Node processes start), so it is a file of its
 * own beside chaos.test.ts rather than part of it. CHAOS_SEED replays a run.
 */
test(
  'short chaos run on three brokers and two replicas: nothing lost or doubled, no customer-facing errors',
  { timeout: 420_000 },
  async () => {
    const result = await shortChaosRun(['--brokers', '3', '--replicas', '2']);
    assert.ok(
      result.faults.some((fault) => fault.name.startsWith('SIGKILL Kafka node')),
      'a Kafka node was killed',
    );
    assert.deepEqual(result.customerErrors.unexcused, [], 'no customer-facing error beyond requests in flight on the killed gateway');
  },
);
