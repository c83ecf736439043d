import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { customerMessages } from '../src/outcomes.ts';
import { callbackPayload, vpsReplies } from './helpers/fake-vps.ts';
import { metricValue, waitFor } from '@voucher/platform/testing';
import { phoneNumber, pkcePair, requestCode, startHarness, voucherCode, type Harness } from './helpers/harness.ts';

describe('request-code → VPS → receive-code', () => {
  let h: Harness;
  before(async () => (h = await startHarness()));
  after(() => h.close());

  it('publishes an immediate code for the web page, and asks the VPS with the callback URL and requestId', async () => {
    const request = requestCode();
    const code = voucherCode();
    h.vps.script(request.requestId, () => vpsReplies.code(code));
    await h.kafka.publishRequest(request);

    const outcome = await h.onlyOutcome(request.requestId);
    assert.deepEqual(
      { ...outcome, issuedAt: undefined },
      {
        requestId: request.requestId,
        phoneNumber,
        status: 'SUCCESS',
        channel: 'WEB',
        voucherCode: code,
        message: customerMessages.SUCCESS,
        issuedAt: undefined,
      },
    );
    assert.equal(h.kafka.keys.get(request.requestId), phoneNumber, 'keyed by the customer, like every topic');
    const [call] = h.vps.callsFor(request.requestId);
    assert.equal(call?.phoneNumber, phoneNumber);
    assert.equal(call?.callbackUrl, h.callbackUrl);
    assert.match(h.callbackUrl, /^http:\/\/127\.0\.0\.1:\d+\/api\/voucher-code\/vps\/response$/);
  });

  it('sends an immediate code that arrives after the deadline by SMS', async () => {
    const request = requestCode(-1);
    h.vps.script(request.requestId, () => vpsReplies.code(voucherCode()));
    await h.kafka.publishRequest(request);
    const outcome = await h.onlyOutcome(request.requestId);
    assert.equal(outcome.status, 'SUCCESS');
    assert.equal(outcome.channel, 'SMS');
  });

  it('calls the VPS once and publishes once when the same request-code message is delivered twice', async () => {
    const request = requestCode();
    h.vps.script(request.requestId, () => vpsReplies.code(voucherCode()));
    await h.kafka.publishRequest(request);
    await h.kafka.publishRequest(request);
    await h.onlyOutcome(request.requestId);
    assert.equal(h.vps.callsFor(request.requestId).length, 1);
  });

  it('retries a failing VPS under the same requestId and publishes one SUCCESS once it recovers', async () => {
    const request = requestCode();
    const code = voucherCode();
    h.vps.script(request.requestId, (_call, attempt) =>
      attempt === 1 ? vpsReplies.error() : attempt === 2 ? 'hang' : vpsReplies.code(code),
    );
    await h.kafka.publishRequest(request);
    const outcome = await h.onlyOutcome(request.requestId);
    assert.equal(outcome.status, 'SUCCESS');
    assert.equal(outcome.voucherCode, code);
    assert.equal(h.vps.callsFor(request.requestId).length, 3);
  });

  it('treats answers outside the VPS contract as errors and retries them', async () => {
    const request = requestCode();
    const code = voucherCode();
    const broken = [
      { status: 200, body: { status: 'SUCCESS' } },
      { status: 202, body: { codeChallenge: 'too-short', transformMethod: 'S256' } },
    ];
    h.vps.script(request.requestId, (_call, attempt) => broken[attempt - 1] ?? vpsReplies.code(code));
    await h.kafka.publishRequest(request);
    const outcome = await h.onlyOutcome(request.requestId);
    assert.equal(outcome.voucherCode, code);
    assert.equal(h.vps.callsFor(request.requestId).length, 3);
  });

  it('publishes one FAILED, without a code, after VPS_MAX_ATTEMPTS failed calls', async () => {
    const request = requestCode();
    h.vps.script(request.requestId, () => vpsReplies.error());
    await h.kafka.publishRequest(request);
    const outcome = await h.onlyOutcome(request.requestId);
    assert.equal(outcome.status, 'FAILED');
    assert.equal(outcome.channel, 'WEB');
    assert.equal(outcome.voucherCode, undefined);
    assert.equal(outcome.message, customerMessages.FAILED);
    assert.equal(h.vps.callsFor(request.requestId).length, 3);
  });

  it('never fails a request the VPS may have taken without answering: it is asked again under its requestId until it answers', async () => {
    const request = requestCode();
    const code = voucherCode();
    // Every attempt of the first handling times out (the VPS got the call; its answer never came), then it answers.
    h.vps.script(request.requestId, (_call, attempt) => (attempt <= 3 ? 'hang' : vpsReplies.code(code, 'LATE_SUCCESS')));
    await h.kafka.publishRequest(request);
    const outcome = await h.onlyOutcome(request.requestId);
    assert.equal(outcome.status, 'LATE_SUCCESS');
    assert.equal(outcome.voucherCode, code);
    const calls = h.vps.callsFor(request.requestId);
    // Three unanswered attempts, then the sweep's (the lease may end while the last attempt still waits: harmless).
    assert.ok(calls.length >= 4, `${calls.length} calls`);
    assert.ok(
      calls.every((call) => call.requestId === request.requestId),
      'always the same requestId: never a second order',
    );
  });

  it('never fails a request whose call timed out because the VPS then answers 500: it is asked again until it answers', async () => {
    const request = requestCode();
    const code = voucherCode();
    // The VPS took the first call (its answer never came), then failed every later attempt of the first handling (an
    // outage answers 500 to everything), then came back with the code it had issued.
    h.vps.script(request.requestId, (_call, attempt) =>
      attempt === 1 ? 'hang' : attempt <= 3 ? { status: 500 } : vpsReplies.code(code, 'LATE_SUCCESS'),
    );
    await h.kafka.publishRequest(request);
    const outcome = await h.onlyOutcome(request.requestId);
    assert.equal(outcome.status, 'LATE_SUCCESS');
    assert.equal(outcome.voucherCode, code);
    assert.ok(h.vps.callsFor(request.requestId).length >= 4, 'asked again after the attempts ran out');
  });

  it('accepts the callback of a call whose 202 was lost, once asking again has told it the challenge (503 until then)', async () => {
    const request = requestCode();
    const code = voucherCode();
    const { codeVerifier, codeChallenge } = pkcePair();
    let delivery: ReturnType<typeof h.vps.deliver> | undefined;
    h.vps.script(request.requestId, (call, attempt) => {
      // The VPS took the first call and calls back with its verifier, but its 202 never reached the bank.
      if (attempt === 1) delivery = h.vps.deliver(call.callbackUrl, callbackPayload(codeVerifier, code));
      return attempt <= 3 ? 'hang' : vpsReplies.challenge(codeChallenge, 'S256');
    });
    await h.kafka.publishRequest(request);
    const outcome = await h.onlyOutcome(request.requestId);
    assert.equal(outcome.voucherCode, code);
    assert.equal(await delivery!.final, 200);
    assert.equal(delivery!.answers[0], 503, 'not known yet: the VPS retries');
    assert.ok(h.vps.callsFor(request.requestId).length >= 4);
  });

  it('dead-letters an invalid request-code message and still processes the next one', async () => {
    const invalid = { ...requestCode(), phoneNumber: '0909123456' };
    await h.kafka.publishRequest(invalid, 'same-key');
    await h.kafka.publishRaw('{not json');
    const request = requestCode();
    h.vps.script(request.requestId, () => vpsReplies.code(voucherCode()));
    await h.kafka.publishRequest(request, 'same-key');

    await h.onlyOutcome(request.requestId);
    const letters = await waitFor(
      () => h.kafka.deadLetters.filter((l) => l.value.includes(invalid.requestId) || l.value === '{not json').length === 2,
      'two dead letters',
    );
    assert.ok(letters);
    assert.equal(h.vps.callsFor(invalid.requestId).length, 0);
    assert.equal(h.kafka.receivedFor(invalid.requestId).length, 0);
  });

  it('stores the challenge durably as soon as the VPS acknowledges', async () => {
    const request = requestCode();
    const { codeChallenge } = pkcePair();
    h.vps.script(request.requestId, () => vpsReplies.challenge(codeChallenge, 'S256'));
    await h.kafka.publishRequest(request);
    await waitFor(() => h.vps.callsFor(request.requestId).length > 0, 'the VPS call');
    // The row exists (CALLING) before the VPS is called; the challenge is stored once its 202 is in.
    const row = await h.challengeStored(request.requestId, 2000);
    assert.equal(row?.state, 'PENDING');
    assert.equal(row?.code_challenge, undefined, 'the challenge itself is not kept');
    assert.deepEqual(row?.challenge_digest, createHash('sha256').update(codeChallenge).digest());
    assert.equal(row?.transform_method, 'S256');
    assert.equal(row?.phone_number, phoneNumber);
    assert.ok((row?.expires_at as Date).getTime() > Date.now());
    await h.quiet(request.requestId);
    assert.equal(h.kafka.receivedFor(request.requestId).length, 0, 'nothing is published before the callback');
  });

  it('gives a code the VPS hands out twice to the first request only: the second request ends FAILED, and it is counted', async () => {
    const code = voucherCode();
    const reusedBefore = await metricValue(h.service.http.adminUrl, 'vps_codes_reused_total');
    const first = requestCode();
    const second = requestCode();
    h.vps.script(first.requestId, () => vpsReplies.code(code));
    h.vps.script(second.requestId, () => vpsReplies.code(code));
    await h.kafka.publishRequest(first);
    const firstOutcome = await h.onlyOutcome(first.requestId);
    await h.kafka.publishRequest(second);
    const secondOutcome = await h.onlyOutcome(second.requestId);

    assert.equal(firstOutcome.status, 'SUCCESS');
    assert.equal(firstOutcome.voucherCode, code);
    assert.equal(secondOutcome.status, 'FAILED');
    assert.equal(secondOutcome.voucherCode, undefined);
    assert.equal(secondOutcome.message, customerMessages.FAILED);
    assert.equal(h.kafka.received.filter((message) => message.voucherCode === code).length, 1, 'one receive-code record carries the code');
    assert.equal(await metricValue(h.service.http.adminUrl, 'vps_codes_reused_total'), reusedBefore + 1);
  });

  it('reports readiness and the callback metrics', async () => {
    const ready = await fetch(`${h.service.url}/readyz`);
    assert.equal(ready.status, 200);
    const metrics = await (await fetch(`${h.service.http.adminUrl}/metrics`)).text();
    assert.match(metrics, /vps_calls_in_flight/);
    assert.match(metrics, /vps_calls_total\{outcome="code"/);
    assert.match(metrics, /vps_calls_total\{outcome="timeout"/);
  });
});
