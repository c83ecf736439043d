import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { customerMessages } from '../src/outcomes.ts';
import { vpsReplies } from './helpers/fake-vps.ts';
import { waitFor } from '@voucher/platform/testing';
import { pkcePair, postCallback, requestCode, startHarness, voucherCode, type Harness } from './helpers/harness.ts';

describe('VPS callbacks (PKCE)', () => {
  let h: Harness;
  before(async () => (h = await startHarness()));
  after(() => h.close());

  /** Publishes a request the VPS acknowledges with a fresh challenge; resolves once the challenge is stored. */
  const acknowledgedRequest = async (method: 'S256' | 'plain' = 'S256', deadlineInMs = 2000) => {
    const request = requestCode(deadlineInMs);
    const pair = pkcePair(method);
    h.vps.script(request.requestId, () => vpsReplies.challenge(pair.codeChallenge, method));
    await h.kafka.publishRequest(request);
    await h.challengeStored(request.requestId);
    return { request, ...pair };
  };
  const callback = (codeVerifier: string, code = voucherCode(), status = 'SUCCESS') => ({
    codeVerifier,
    status,
    voucherCode: code,
    message: 'Thank you for using our services, your voucher code is ready.',
  });
  /** Waits until the request's deadline has passed by this process's clock, the one the service (in this process) reads. */
  const pastDeadline = (request: { deadline: string }) =>
    waitFor(() => Date.now() > Date.parse(request.deadline), 'the request deadline to pass');
  const outcomeOf = async (requestId: string) => {
    const [message] = await waitFor(() => h.kafka.receivedFor(requestId).length > 0 && h.kafka.receivedFor(requestId), 'receive-code');
    return message!;
  };

  it('accepts a valid callback before the deadline: SUCCESS on the web channel, once', async () => {
    const { request, codeVerifier } = await acknowledgedRequest();
    const code = voucherCode();
    const answer = await postCallback(h.service, callback(codeVerifier, code));
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body, { status: 'ACCEPTED' });
    const outcome = await outcomeOf(request.requestId);
    assert.equal(outcome.status, 'SUCCESS');
    assert.equal(outcome.channel, 'WEB');
    assert.equal(outcome.voucherCode, code);
    assert.equal(outcome.message, customerMessages.SUCCESS);

    const replay = await postCallback(h.service, callback(codeVerifier, code));
    assert.equal(replay.status, 409);
    assert.match(replay.type, /application\/problem\+json/);
    await h.quiet(request.requestId);
    assert.equal(h.kafka.receivedFor(request.requestId).length, 1, 'the replay produced nothing');
  });

  it('sends a callback that comes after the deadline by SMS', async () => {
    const { request, codeVerifier } = await acknowledgedRequest('S256', 300);
    await pastDeadline(request);
    const answer = await postCallback(h.service, callback(codeVerifier, voucherCode(), 'LATE_SUCCESS'));
    assert.equal(answer.status, 200);
    const outcome = await outcomeOf(request.requestId);
    assert.equal(outcome.status, 'LATE_SUCCESS');
    assert.equal(outcome.channel, 'SMS');
    assert.equal(outcome.message, customerMessages.LATE_SUCCESS);
  });

  it('sends a SUCCESS callback by SMS once the deadline has passed', async () => {
    const { request, codeVerifier } = await acknowledgedRequest('S256', 300);
    await pastDeadline(request);
    assert.equal((await postCallback(h.service, callback(codeVerifier))).status, 200);
    const outcome = await outcomeOf(request.requestId);
    assert.equal(outcome.channel, 'SMS');
  });

  it('refuses an unknown verifier, and a wrong one while a challenge is pending, without spending the challenge', async () => {
    const { request, codeVerifier, codeChallenge } = await acknowledgedRequest();
    const unknown = await postCallback(h.service, callback(pkcePair().codeVerifier));
    assert.equal(unknown.status, 403);
    const wrong = await postCallback(h.service, callback(`${codeVerifier.slice(0, -1)}${codeVerifier.endsWith('A') ? 'B' : 'A'}`));
    assert.equal(wrong.status, 403);
    // The challenge from the VPS's 202, sent as if it were the verifier, must not match either.
    assert.equal((await postCallback(h.service, callback(codeChallenge))).status, 403);
    await h.quiet(request.requestId);
    assert.equal(h.kafka.receivedFor(request.requestId).length, 0, 'forged callbacks produced nothing');
    assert.equal((await postCallback(h.service, callback(codeVerifier))).status, 200, 'the real verifier still works');
  });

  it('refuses malformed callbacks with 400 problems and produces nothing', async () => {
    const { request, codeVerifier } = await acknowledgedRequest();
    const malformed: unknown[] = [
      '{"codeVerifier": ',
      '[]',
      callback('a'.repeat(42)),
      callback('a'.repeat(129)),
      callback(`${codeVerifier.slice(0, 42)}!`),
      callback(codeVerifier, voucherCode(), 'FAILED'),
      { codeVerifier, status: 'SUCCESS' },
      callback(codeVerifier, ''),
    ];
    for (const body of malformed) {
      const answer = await postCallback(h.service, body);
      assert.equal(answer.status, 400, `400 for ${JSON.stringify(body)}`);
      assert.match(answer.type, /application\/problem\+json/);
      assert.equal(answer.body.status, 400);
    }
    await h.quiet(request.requestId);
    assert.equal(h.kafka.receivedFor(request.requestId).length, 0);
    assert.equal((await postCallback(h.service, callback(codeVerifier))).status, 200, 'the challenge is still pending');
  });

  it('counts callbacks by outcome', async () => {
    const metrics = await (await fetch(`${h.service.http.adminUrl}/metrics`)).text();
    for (const outcome of ['accepted', 'replayed', 'unknown_verifier', 'malformed']) {
      assert.match(metrics, new RegExp(`vps_callbacks_total\\{outcome="${outcome}"`));
    }
  });
});

describe('plain PKCE challenges (PKCE_ALLOW_PLAIN)', () => {
  const callback = (codeVerifier: string, code = voucherCode()) => ({ codeVerifier, status: 'SUCCESS', voucherCode: code });

  describe('by default', () => {
    let h: Harness;
    before(async () => (h = await startHarness()));
    after(() => h.close());

    it('does not take a plain 202 as a challenge: the answer is invalid, retried, then the request fails', async () => {
      const request = requestCode();
      const { codeVerifier, codeChallenge } = pkcePair('plain');
      h.vps.script(request.requestId, () => vpsReplies.challenge(codeChallenge, 'plain'));
      await h.kafka.publishRequest(request);
      const [outcome] = await waitFor(
        () => h.kafka.receivedFor(request.requestId).length > 0 && h.kafka.receivedFor(request.requestId),
        'receive-code',
      );
      assert.equal(outcome?.status, 'FAILED');
      assert.equal(h.vps.callsFor(request.requestId).length, 3, 'asked VPS_MAX_ATTEMPTS times');
      const [row] = await h.service.database.query('SELECT * FROM vps_requests WHERE request_id = $1', [request.requestId]);
      assert.equal(row?.transform_method, null, 'no challenge stored');
      // Whoever saw the 202 cannot redeem it.
      assert.equal((await postCallback(h.service, callback(codeVerifier))).status, 403);
    });
  });

  describe('with PKCE_ALLOW_PLAIN=true', () => {
    let h: Harness;
    before(async () => (h = await startHarness({ PKCE_ALLOW_PLAIN: 'true' })));
    after(() => h.close());

    const acknowledged = async (method: 'S256' | 'plain') => {
      const request = requestCode();
      const pair = pkcePair(method);
      h.vps.script(request.requestId, () => vpsReplies.challenge(pair.codeChallenge, method));
      await h.kafka.publishRequest(request);
      const row = await h.challengeStored(request.requestId);
      return { request, row, ...pair };
    };

    it('keeps only a digest of the challenge: what a reader of the database sees redeems nothing', async () => {
      const { request, row, codeVerifier, codeChallenge } = await acknowledged('plain');
      const stored = Object.values(row).map((value) => (Buffer.isBuffer(value) ? value.toString('base64url') : String(value)));
      assert.ok(!stored.some((value) => value.includes(codeChallenge)), 'the challenge itself is not stored');
      for (const value of Object.values(row).filter(Buffer.isBuffer)) {
        for (const encoding of ['base64url', 'hex'] as const) {
          const text = (value as Buffer).toString(encoding);
          if (/^[A-Za-z0-9\-._~]{43,128}$/.test(text)) assert.equal((await postCallback(h.service, callback(text))).status, 403);
        }
      }
      assert.equal((await postCallback(h.service, callback(codeVerifier))).status, 200, 'the genuine verifier redeems it');
      const [outcome] = await waitFor(
        () => h.kafka.receivedFor(request.requestId).length > 0 && h.kafka.receivedFor(request.requestId),
        'receive-code',
      );
      assert.equal(outcome?.status, 'SUCCESS');
    });

    it('refuses an S256 challenge sent as its own verifier', async () => {
      const { codeVerifier, codeChallenge } = await acknowledged('S256');
      assert.equal((await postCallback(h.service, callback(codeChallenge))).status, 403);
      assert.equal((await postCallback(h.service, callback(codeVerifier))).status, 200);
    });
  });
});

describe('challenge expiry', () => {
  let h: Harness;
  // A challenge waits 300 ms for its callback, then the VPS is asked again (twice at most) before the request fails.
  before(async () => (h = await startHarness({ CHALLENGE_TTL_MS: '300', CHALLENGE_REASKS: '2', SWEEP_INTERVAL_MS: '100' })));
  after(() => h.close());

  const outcomesOf = (requestId: string) =>
    waitFor(() => h.kafka.receivedFor(requestId).length > 0 && h.kafka.receivedFor(requestId), 'receive-code');

  it('asks the VPS again about a challenge that expired without its callback, and gives the customer the code it answers', async () => {
    const request = requestCode(5000);
    const { codeVerifier, codeChallenge } = pkcePair();
    const code = voucherCode();
    h.vps.script(request.requestId, (_call, attempt) =>
      attempt === 1 ? vpsReplies.challenge(codeChallenge, 'S256') : vpsReplies.code(code, 'LATE_SUCCESS'),
    );
    await h.kafka.publishRequest(request);

    const [outcome] = await outcomesOf(request.requestId);
    assert.equal(outcome?.status, 'LATE_SUCCESS');
    assert.equal(outcome?.voucherCode, code);
    // Late by the VPS's clock, but known here before the request's 5 s deadline: the page still waiting gets it.
    assert.equal(outcome?.channel, 'WEB');
    const calls = h.vps.callsFor(request.requestId);
    assert.equal(calls.length, 2, 'asked once, then once again');
    assert.deepEqual(calls[1], calls[0], 'the same requestId, number and callback URL: the VPS treats it as the same request');
    const lateCallback = await postCallback(h.service, { codeVerifier, status: 'LATE_SUCCESS', voucherCode: code });
    assert.equal(lateCallback.status, 409, 'the code was delivered; its callback is a duplicate');
    await h.quiet(request.requestId);
    assert.equal(h.kafka.receivedFor(request.requestId).length, 1);
  });

  it('still accepts the callback once the wait has run out, while the VPS is being asked again', async () => {
    const request = requestCode(5000);
    const { codeVerifier, codeChallenge } = pkcePair();
    h.vps.script(request.requestId, () => vpsReplies.challenge(codeChallenge, 'S256'));
    await h.kafka.publishRequest(request);
    await waitFor(() => h.vps.callsFor(request.requestId).length >= 2, 'a re-ask of the expired challenge');

    const code = voucherCode();
    const answer = await postCallback(h.service, { codeVerifier, status: 'SUCCESS', voucherCode: code });
    assert.equal(answer.status, 200);
    const [outcome] = await outcomesOf(request.requestId);
    assert.equal(outcome?.voucherCode, code);
    // A 200 means no re-ask was in flight (a re-ask marks the request CALLING first, and the callback then gets 503),
    // and a settled request is re-asked no more: once the code has left the outbox, nothing else can follow it.
    await h.quiet(request.requestId);
    assert.equal(h.kafka.receivedFor(request.requestId).length, 1, 'no FAILED after the code');
  });

  it('ends the request FAILED once, after CHALLENGE_REASKS re-asks that brought no code; a later callback gets 410', async () => {
    const request = requestCode(5000);
    const { codeVerifier, codeChallenge } = pkcePair();
    h.vps.script(request.requestId, () => vpsReplies.challenge(codeChallenge, 'S256'));
    await h.kafka.publishRequest(request);

    const [outcome] = await outcomesOf(request.requestId);
    assert.equal(outcome?.status, 'FAILED');
    assert.equal(outcome?.voucherCode, undefined);
    assert.equal(outcome?.channel, 'WEB');
    assert.equal(h.vps.callsFor(request.requestId).length, 3, 'the first call and two re-asks');
    const late = await postCallback(h.service, { codeVerifier, status: 'SUCCESS', voucherCode: voucherCode() });
    assert.equal(late.status, 410);
    await h.quiet(request.requestId);
    assert.equal(h.kafka.receivedFor(request.requestId).length, 1, 'one FAILED, and no code from the late callback');
    assert.equal(h.vps.callsFor(request.requestId).length, 3, 'nothing asked after the request ended');
  });
});

describe('shutdown', () => {
  let h: Harness;
  before(async () => (h = await startHarness({ VPS_RETRY_BASE_MS: '4000', VPS_RETRY_MAX_MS: '4000' })));
  after(() => h.close());

  it('leaves a request that is waiting to retry the VPS for the next instance, which completes it', async () => {
    const request = requestCode(30_000);
    const code = voucherCode();
    h.vps.script(request.requestId, (_call, attempt) => (attempt === 1 ? vpsReplies.error() : vpsReplies.code(code)));
    await h.kafka.publishRequest(request);
    await waitFor(() => h.vps.callsFor(request.requestId).length === 1, 'the first VPS call');

    await h.restart();
    const [outcome] = await waitFor(
      () => h.kafka.receivedFor(request.requestId).length > 0 && h.kafka.receivedFor(request.requestId),
      'SUCCESS',
    );
    assert.equal(outcome?.status, 'SUCCESS');
    assert.equal(outcome?.voucherCode, code);
    await h.quiet(request.requestId);
    assert.equal(h.kafka.receivedFor(request.requestId).length, 1);
    assert.equal(h.kafka.deadLetters.length, 0, 'nothing was dead-lettered');
  });
});
