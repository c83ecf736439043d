import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startPrivateBroker, type PrivateBroker } from '@voucher/platform/testing';
import { callbackPayload, vpsReplies } from './helpers/fake-vps.ts';
import { eventually, pkcePair, requestCode, settle, startHarness, voucherCode, type Harness } from './helpers/harness.ts';

/**
 * Issue 9 on a real outage: the broker the service publishes to crashes (SIGKILL) while a challenge waits for its
 * callback, and comes back on the same data. A broker of the test's own: the shared one is never touched.
 */
describe('a callback during a real broker crash (private broker)', () => {
  let broker: PrivateBroker;
  let h: Harness;
  before(async () => {
    broker = await startPrivateBroker();
    // The outage outlasts the challenge's wait (2 s): the sweep asks the VPS again meanwhile, and cannot publish either.
    h = await startHarness({ KAFKA_BROKERS: broker.brokers.join(','), CHALLENGE_TTL_MS: '2000' });
    h.vps.callbackWindowMs = 120_000;
  });
  after(async () => {
    await h?.close();
    await broker?.stop();
  });

  it('is answered 503 while the broker is down, and lands exactly once after it restarts', { timeout: 240_000 }, async () => {
    const request = requestCode(30_000);
    const { codeVerifier, codeChallenge } = pkcePair();
    const code = voucherCode();
    // Asked again after its callback time, the VPS answers with the code, as the real one does.
    h.vps.script(request.requestId, (_call, attempt) =>
      attempt === 1 ? vpsReplies.challenge(codeChallenge, 'S256') : vpsReplies.code(code),
    );
    await h.kafka.publishRequest(request);
    await eventually(
      async () =>
        (await h.service.database.query('SELECT 1 FROM vps_requests WHERE request_id = $1 AND state = $2', [request.requestId, 'PENDING']))
          .length > 0,
      'the stored challenge',
    );

    await broker.kill();
    const delivery = h.vps.deliver(h.callbackUrl, callbackPayload(codeVerifier, code));
    await eventually(
      () => delivery.answers.length >= 2 && h.vps.callsFor(request.requestId).length >= 2,
      'the outage to outlast the wait',
      60_000,
    );
    assert.deepEqual(delivery.answers.slice(0, 2), [503, 503], 'retryable while nothing can be published');
    await broker.restart();

    const final = await delivery.final;
    assert.ok(final === 200 || final === 409, `the callback lands, or finds its code already delivered by the re-ask; got ${final}`);
    const [outcome] = await eventually(
      () => h.kafka.receivedFor(request.requestId).length > 0 && h.kafka.receivedFor(request.requestId),
      'receive-code after the restart',
      120_000,
    );
    assert.equal(outcome?.voucherCode, code);
    assert.equal(outcome?.status, 'SUCCESS');
    await settle(1000);
    assert.equal(h.kafka.receivedFor(request.requestId).length, 1, 'exactly once');
  });
});
