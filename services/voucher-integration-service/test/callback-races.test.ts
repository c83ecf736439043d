import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { callbackPayload, vpsReplies, type VpsReply } from './helpers/fake-vps.ts';
import { waitFor } from '@voucher/platform/testing';
import { pkcePair, postCallback, requestCode, startHarness, voucherCode, type Harness } from './helpers/harness.ts';

/**
 * Issue 9, "a genuine callback always lands": a callback that arrives before its challenge is stored, while the
 * service restarts, or while the broker is down still delivers its code exactly once. The fake VPS retries callbacks
 * the way the real one does (connection errors, 408, 429 and 5xx; anything else is final).
 */
describe('a genuine callback always lands', () => {
  let h: Harness;
  before(async () => (h = await startHarness()));
  after(() => h.close());

  const storedState = async (requestId: string) =>
    (await h.service.database.query<{ state: string }>('SELECT state FROM vps_requests WHERE request_id = $1', [requestId]))[0]?.state;

  it('takes a callback that overtakes the 202 it belongs to: 503 until the challenge is stored, then the code, once', async () => {
    const request = requestCode();
    const { codeVerifier, codeChallenge } = pkcePair();
    const code = voucherCode();
    // The VPS posts the callback, waits for the bank's first answer to it, and only then sends its 202.
    h.vps.script(request.requestId, () => ({
      ...vpsReplies.challenge(codeChallenge, 'S256'),
      callbackFirst: callbackPayload(codeVerifier, code),
    }));
    await h.kafka.publishRequest(request);

    const [delivery] = await waitFor(() => h.vps.deliveriesOf(codeVerifier).length > 0 && h.vps.deliveriesOf(codeVerifier), 'the callback');
    assert.equal(await delivery!.firstWord, 503, 'not known yet: the VPS is told to retry, not that the verifier is wrong');
    assert.equal(await delivery!.final, 200);
    const outcome = await h.onlyOutcome(request.requestId);
    assert.equal(outcome.status, 'SUCCESS');
    assert.equal(outcome.voucherCode, code);
    assert.equal(outcome.channel, 'WEB');
    assert.equal(h.vps.callsFor(request.requestId).length, 1);
  });

  it('delivers the code once when the service stops between the VPS acknowledging and the challenge being stored', async () => {
    const request = requestCode(30_000);
    const { codeVerifier, codeChallenge } = pkcePair();
    const code = voucherCode();
    const firstAnswer = Promise.withResolvers<VpsReply>();
    const callbackAnswered = Promise.withResolvers<number>();
    h.vps.script(request.requestId, async (_call, attempt) => {
      if (attempt === 1) return firstAnswer.promise;
      // Asked again by the new instance: the VPS's callback, retried all along, gets the new instance's first word first.
      await callbackAnswered.promise;
      return vpsReplies.challenge(codeChallenge, 'S256');
    });
    await h.kafka.publishRequest(request);
    await waitFor(() => h.vps.callsFor(request.requestId).length === 1, 'the first call');
    assert.equal(await storedState(request.requestId), 'CALLING', 'the call is on record before the VPS hears of it');

    await h.stop();
    firstAnswer.resolve(vpsReplies.challenge(codeChallenge, 'S256')); // the 202 nobody is left to store
    const delivery = h.vps.deliver(h.callbackUrl, callbackPayload(codeVerifier, code)); // the code is ready at once
    void delivery.firstWord.then(callbackAnswered.resolve);
    await waitFor(() => delivery.answers.length >= 2, 'callbacks refused while the service is down');
    assert.ok(delivery.answers.every((answer) => answer === 'unreachable'));
    await h.start();

    assert.equal(await delivery.firstWord, 503, 'the new instance knows a call is outstanding');
    assert.equal(await delivery.final, 200);
    const outcome = await h.onlyOutcome(request.requestId);
    assert.equal(outcome.voucherCode, code);
    assert.equal(outcome.status, 'SUCCESS');
    const calls = h.vps.callsFor(request.requestId);
    assert.ok(calls.length >= 2 && calls.every((call) => call.callbackUrl === h.callbackUrl), 'asked again under the same requestId');
    assert.equal(h.kafka.deadLetters.length, 0);
  });

  it('answers a forged verifier 503 while a call is outstanding and 403 otherwise, and never takes its code', async () => {
    const request = requestCode();
    const { codeVerifier, codeChallenge } = pkcePair();
    const answer = Promise.withResolvers<VpsReply>();
    h.vps.script(request.requestId, () => answer.promise);
    await h.kafka.publishRequest(request);
    await waitFor(() => h.vps.callsFor(request.requestId).length === 1, 'the call');

    const forged = () => postCallback(h.service, callbackPayload(pkcePair().codeVerifier, 'FORGED-CODE'));
    const whileCalling = await forged();
    assert.equal(whileCalling.status, 503);
    assert.match(whileCalling.type, /application\/problem\+json/);
    answer.resolve(vpsReplies.challenge(codeChallenge, 'S256'));
    await waitFor(async () => (await storedState(request.requestId)) === 'PENDING', 'the stored challenge');
    assert.equal((await forged()).status, 403);
    // One character off the genuine verifier (a different one: a verifier that already ends in x stays genuine with x).
    const oneOff = `${codeVerifier.slice(0, -1)}${codeVerifier.endsWith('x') ? 'y' : 'x'}`;
    assert.equal((await postCallback(h.service, callbackPayload(oneOff, 'FORGED-CODE'))).status, 403);

    const code = voucherCode();
    assert.equal((await postCallback(h.service, callbackPayload(codeVerifier, code))).status, 200);
    assert.equal((await postCallback(h.service, callbackPayload(codeVerifier, code))).status, 409, 'a replay');
    const outcome = await h.onlyOutcome(request.requestId);
    assert.equal(outcome.voucherCode, code);
    const metrics = await (await fetch(`${h.service.http.adminUrl}/metrics`)).text();
    assert.match(metrics, /vps_callbacks_total\{outcome="not_yet_known"/);
  });
});

describe('a broker outage (issue 10: nothing waits on the broker inside a request)', () => {
  let h: Harness;
  before(async () => (h = await startHarness()));
  after(async () => {
    h.brokerDown = false;
    await h.close();
  });

  const storedState = async (requestId: string) =>
    (await h.service.database.query<{ state: string }>('SELECT state FROM vps_requests WHERE request_id = $1', [requestId]))[0]?.state;
  const waitingRecords = async (requestId: string) =>
    (await h.service.database.query('SELECT 1 FROM outbox WHERE request_id = $1', [requestId])).length;

  it('answers a genuine callback 200 at once (the outcome is durable), and delivers its code once when the broker is back', async () => {
    const request = requestCode(30_000);
    const { codeVerifier, codeChallenge } = pkcePair();
    const code = voucherCode();
    h.vps.script(request.requestId, () => vpsReplies.challenge(codeChallenge, 'S256'));
    await h.kafka.publishRequest(request);
    await waitFor(async () => (await storedState(request.requestId)) === 'PENDING', 'the stored challenge');

    h.brokerDown = true;
    const delivery = h.vps.deliver(h.callbackUrl, callbackPayload(codeVerifier, code));
    assert.equal(await delivery.final, 200, 'accepted while the broker is down: the VPS stops retrying');
    assert.deepEqual(delivery.answers, [200], 'at the first attempt');
    assert.equal(await storedState(request.requestId), 'SETTLED');
    const failures = () =>
      fetch(`${h.service.http.adminUrl}/metrics`).then(async (response) =>
        /outbox_publish_failures_total\{[^}]*\} [1-9]/.test(await response.text()),
      );
    await waitFor(failures, 'the relay to try, and fail, to publish');
    assert.equal(await waitingRecords(request.requestId), 1, 'the receive-code record waits in the outbox');
    assert.equal(h.kafka.receivedFor(request.requestId).length, 0);

    h.brokerDown = false;
    const [outcome] = await waitFor(
      () => h.kafka.receivedFor(request.requestId).length > 0 && h.kafka.receivedFor(request.requestId),
      'receive-code once the broker is back',
    );
    assert.equal(outcome?.voucherCode, code);
    assert.equal(outcome?.status, 'SUCCESS');
    assert.equal(outcome?.channel, 'WEB', 'known before the deadline, however late the broker took it');
    await h.quiet(request.requestId);
    assert.equal(h.kafka.receivedFor(request.requestId).length, 1, 'exactly once');
    assert.equal(h.vps.callsFor(request.requestId).length, 1, 'the VPS was never asked again');
  });

  it('settles an immediate code during the outage without asking the VPS again, and publishes it once the broker is back', async () => {
    const request = requestCode(30_000);
    const code = voucherCode();
    h.vps.script(request.requestId, () => vpsReplies.code(code));
    h.brokerDown = true;
    await h.kafka.publishRequest(request); // the probe's own producer: the test's broker is up, only the service's relay fails
    await waitFor(async () => (await storedState(request.requestId)) === 'SETTLED', 'the settled request');
    await h.kafka.caughtUp(); // every publish fails while the broker is down: the probe has read all there is
    assert.equal(h.kafka.receivedFor(request.requestId).length, 0);
    assert.equal(await waitingRecords(request.requestId), 1);

    h.brokerDown = false;
    const [outcome] = await waitFor(
      () => h.kafka.receivedFor(request.requestId).length > 0 && h.kafka.receivedFor(request.requestId),
      'receive-code once the broker is back',
    );
    assert.equal(outcome?.voucherCode, code);
    await h.quiet(request.requestId);
    assert.equal(h.kafka.receivedFor(request.requestId).length, 1, 'exactly once');
    assert.equal(h.vps.callsFor(request.requestId).length, 1, 'asked once: the message was not retried for want of the broker');
  });
});

describe('test isolation (a schema for each harness)', () => {
  it('a harness closed while its call to the VPS hangs leaves nothing that changes how another one answers', async () => {
    const first = await startHarness();
    const request = requestCode(30_000);
    first.vps.script(request.requestId, () => 'hang');
    await first.kafka.publishRequest(request);
    await waitFor(() => first.vps.callsFor(request.requestId).length === 1, 'the hanging call');
    await first.close(); // mid-call: its CALLING row stays

    const second = await startHarness();
    try {
      const forged = await postCallback(second.service, callbackPayload(pkcePair().codeVerifier, 'FORGED-CODE'));
      assert.equal(forged.status, 403, 'no call of this harness is outstanding: a forged verifier is unknown, not "not known yet"');
    } finally {
      await second.close();
    }
  });
});
