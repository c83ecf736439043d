import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startPrivateBroker, type PrivateBroker, waitFor } from '@voucher/platform/testing';
import { callbackPayload, vpsReplies } from './helpers/fake-vps.ts';
import { pkcePair, requestCode, startHarness, voucherCode, type Harness } from './helpers/harness.ts';

/**
 * Issues 9 and 10 on a real outage: the broker the service publishes to crashes (SIGKILL) while a challenge waits for
 * its callback, and comes back on the same data. The callback does not wait for the broker: its outcome is committed
 * with its receive-code record in the outbox, and the relay publishes it once the broker is back. A broker of the
 * test's own: the shared one is never touched.
 */
describe('a callback during a real broker crash (private broker)', () => {
  let broker: PrivateBroker;
  let h: Harness;
  before(async () => {
    broker = await startPrivateBroker();
    h = await startHarness({ KAFKA_BROKERS: broker.brokers.join(',') });
    h.vps.callbackWindowMs = 120_000;
  });
  after(async () => {
    await h?.close();
    await broker?.stop();
  });

  it(
    'is answered 200 at once while the broker is down, and its code reaches receive-code once after the restart',
    { timeout: 240_000 },
    async () => {
      const request = requestCode(60_000);
      const { codeVerifier, codeChallenge } = pkcePair();
      const code = voucherCode();
      h.vps.script(request.requestId, () => vpsReplies.challenge(codeChallenge, 'S256'));
      await h.kafka.publishRequest(request);
      const stateOf = async () =>
        (await h.service.database.query<{ state: string }>('SELECT state FROM vps_requests WHERE request_id = $1', [request.requestId]))[0]
          ?.state;
      await waitFor(async () => (await stateOf()) === 'PENDING', 'the stored challenge');

      await broker.kill();
      const startedAt = Date.now();
      const delivery = h.vps.deliver(h.callbackUrl, callbackPayload(codeVerifier, code));
      assert.equal(await delivery.final, 200, 'the outcome is durable in PostgreSQL: nothing to retry');
      assert.deepEqual(delivery.answers, [200]);
      // The producer would wait up to 10 s for a broker that is not there; the callback waited for none of it.
      assert.ok(Date.now() - startedAt < 5000, `answered in ${Date.now() - startedAt} ms`);
      assert.equal(await stateOf(), 'SETTLED');
      const waiting = async () =>
        (await h.service.database.query('SELECT 1 FROM outbox WHERE request_id = $1', [request.requestId])).length;
      assert.equal(await waiting(), 1, 'its receive-code record waits in the outbox');

      await broker.restart();
      const [outcome] = await waitFor(
        () => h.kafka.receivedFor(request.requestId).length > 0 && h.kafka.receivedFor(request.requestId),
        'receive-code after the restart',
        120_000,
      );
      assert.equal(outcome?.voucherCode, code);
      assert.equal(outcome?.status, 'SUCCESS');
      assert.equal(outcome?.channel, 'WEB', 'known before the deadline');
      await waitFor(async () => (await waiting()) === 0, 'the outbox to be empty', 30_000);
      await h.quiet(request.requestId);
      assert.equal(h.kafka.receivedFor(request.requestId).length, 1, 'exactly once');
      assert.equal(h.vps.callsFor(request.requestId).length, 1, 'the VPS was never asked again');
    },
  );
});
