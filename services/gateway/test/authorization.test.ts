import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { SignJWT } from 'jose';
import { pino } from 'pino';
import type { Database } from '@voucher/platform/database';
import { startGateway, type RunningGateway } from '../src/service.ts';
import { bearer, postJson, signIn, signInConfig } from './support/auth-helpers.ts';
import { openTestDatabase, postVoucher, randomPhone, testConfig, toE164, waitFor } from './support/gateway-harness.ts';
import { codeMessage, receiveCodePublisher } from './support/kafka-helpers.ts';
import { startSmsReceiver } from './support/sms-receiver.ts';
import { openPage } from '@voucher/platform/testing';

/** Every line the gateway logs, at debug level, to prove no token or ticket ever reaches the logs. */
function capturingLogger() {
  const lines: string[] = [];
  const sink = new Writable({ write: (chunk, _encoding, done) => void (lines.push(String(chunk)), done()) });
  return { logger: pino({ level: 'debug' }, sink), lines };
}

describe('voucher routes with AUTH_REQUIRED=true', () => {
  const alice = randomPhone();
  const bob = randomPhone();
  const captured = capturingLogger();
  let sms: Awaited<ReturnType<typeof startSmsReceiver>>;
  let db: Database;
  let gateway: RunningGateway;
  let publisher: ReturnType<typeof receiveCodePublisher>;
  let aliceToken: string;
  let bobToken: string;
  let aliceRequest: string;

  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${gateway.url}${path}`, { headers });
  const streamTicket = (requestId: string, token: string) =>
    postJson(gateway, `/voucher/requests/${requestId}/stream-ticket`, {}, bearer(token));

  before(async () => {
    sms = await startSmsReceiver();
    const config = signInConfig(sms.url);
    db = await openTestDatabase(config);
    gateway = await startGateway(config, captured.logger);
    await waitFor(async () => (await fetch(`${gateway.url}/readyz`)).status === 200 || undefined, 'the gateway to be ready');
    publisher = receiveCodePublisher(config.KAFKA_NAMESPACE);
    aliceToken = await signIn(gateway, sms, alice, toE164(alice));
    bobToken = await signIn(gateway, sms, bob, toE164(bob));
    const bought = await postVoucher(gateway, '', { headers: bearer(aliceToken) });
    assert.equal(bought.response.status, 202, 'the number may be omitted: the token names it');
    aliceRequest = String(bought.body.requestId);
  });
  after(async () => {
    await publisher.close();
    await gateway.close();
    await db.close();
    await sms.close();
  });

  test('no token, a tampered token or a token signed with another key is 401 with WWW-Authenticate: Bearer', async () => {
    const [header, payload, signature] = aliceToken.split('.');
    const forgedClaims = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), sub: toE164(bob) }));
    const tampered = `${header}.${forgedClaims.toString('base64url')}.${signature}`;
    const foreign = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(toE164(alice))
      .setIssuer('voucher-gateway')
      .setAudience('voucher-gateway')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode('another-secret-that-is-long-enough-0123456789'));
    for (const headers of [{}, bearer(tampered), bearer(foreign), { authorization: 'Basic abc' }]) {
      const responses = [
        (await postVoucher(gateway, `?phoneNumber=${alice}`, { headers })).response,
        await get(`/voucher?phoneNumber=${alice}`, headers),
        await get(`/voucher/requests/${aliceRequest}`, headers),
        await get(`/voucher/requests/${aliceRequest}/events`, headers),
        (await postJson(gateway, `/voucher/requests/${aliceRequest}/stream-ticket`, {}, headers)).response,
      ];
      for (const response of responses) {
        assert.equal(response.status, 401, `${response.url} with ${JSON.stringify(headers)}`);
        assert.equal(response.headers.get('www-authenticate'), 'Bearer');
        assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/);
      }
    }
  });

  test("a customer may buy for their own number in either form, and never for another's (403)", async () => {
    assert.equal((await postVoucher(gateway, `?phoneNumber=${toE164(alice)}`, { headers: bearer(aliceToken) })).response.status, 202);
    assert.equal((await postVoucher(gateway, `?phoneNumber=${alice}`, { headers: bearer(aliceToken) })).response.status, 202);
    const other = await postVoucher(gateway, `?phoneNumber=${bob}`, { headers: bearer(aliceToken) });
    assert.equal(other.response.status, 403);
    assert.match(other.response.headers.get('content-type') ?? '', /^application\/problem\+json/);
  });

  test("another customer's listing, request status, events and stream ticket are 403; an unknown request is 404", async () => {
    assert.equal((await get(`/voucher?phoneNumber=${alice}`, bearer(bobToken))).status, 403);
    assert.equal((await get(`/voucher/requests/${aliceRequest}`, bearer(bobToken))).status, 403);
    assert.equal((await get(`/voucher/requests/${aliceRequest}/events`, bearer(bobToken))).status, 403);
    assert.equal((await streamTicket(aliceRequest, bobToken)).response.status, 403);
    assert.equal((await get(`/voucher/requests/${randomUUID()}`, bearer(bobToken))).status, 404);
    const own = await get(`/voucher/requests/${aliceRequest}`, bearer(aliceToken));
    assert.equal(own.status, 200);
    assert.equal(((await own.json()) as { status: string }).status, 'PROCESSING');
  });

  test('a stream ticket opens its own request’s events once, and the code arrives on that stream', async () => {
    const issued = await streamTicket(aliceRequest, aliceToken);
    assert.equal(issued.response.status, 201);
    assert.equal(issued.body.expiresInSeconds, 60);
    const ticket = String(issued.body.ticket);

    const other = await postVoucher(gateway, '', { headers: bearer(aliceToken) });
    assert.equal(
      (await get(`/voucher/requests/${String(other.body.requestId)}/events?ticket=${ticket}`)).status,
      401,
      'bound to its request',
    );

    const page = openPage(`${gateway.url}/voucher/requests/${aliceRequest}/events?ticket=${ticket}`);
    assert.equal((await page.opened).statusCode, 200);
    assert.equal((await get(`/voucher/requests/${aliceRequest}/events?ticket=${ticket}`)).status, 401, 'used once');
    assert.equal((await get(`/voucher/requests/${aliceRequest}/events?ticket=not-a-ticket`)).status, 401);

    const message = codeMessage(aliceRequest, toE164(alice));
    await publisher.publish(message);
    await page.ended;
    assert.deepEqual(
      page.events.map((event) => [event.event, event.data.voucherCode]),
      [['voucher', message.voucherCode]],
    );
    assert.equal(
      captured.lines.some((line) => line.includes(ticket) || line.includes(aliceToken) || line.includes(message.voucherCode!)),
      false,
      'no log line holds the ticket, the token or the code',
    );
  });

  test('non-browser clients may open the events stream with the bearer header', async () => {
    const bought = await postVoucher(gateway, '', { headers: bearer(bobToken) });
    const controller = new AbortController();
    const response = await fetch(`${gateway.url}/voucher/requests/${String(bought.body.requestId)}/events`, {
      headers: bearer(bobToken),
      signal: controller.signal,
    });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
    controller.abort();
  });
});

test('AUTH_REQUIRED=false lets the seed’s plain POST through and says so at start-up', async () => {
  const captured = capturingLogger();
  const config = testConfig({ AUTH_REQUIRED: 'false' });
  const gateway = await startGateway(config, captured.logger);
  try {
    const { response } = await postVoucher(gateway, `?phoneNumber=${randomPhone()}`);
    assert.equal(response.status, 202);
    assert.ok(captured.lines.some((line) => line.includes('"level":40') && line.includes('AUTH_REQUIRED=false')));
    assert.equal((await postJson(gateway, '/auth/otp', { phoneNumber: randomPhone() })).response.status, 404, 'no secret: no sign-in');
  } finally {
    await gateway.close();
  }
});
