import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { createTokenVerifier, issueAccessToken } from '../src/auth/access-tokens.ts';
import type { RunningGateway } from '../src/service.ts';
import { TEST_AUTH_SECRET, bearer, postJson, signIn, signInConfig } from './support/auth-helpers.ts';
import { randomPhone, startReadyGateway, toE164 } from './support/gateway-harness.ts';
import { startSmsReceiver } from './support/sms-receiver.ts';

const OTHER_SECRET = 'another-token-key-0123456789abcdefghijklmnop';
const e164 = fc.stringMatching(/^\+[1-9][0-9]{6,14}$/);
/** What an Authorization header can carry: visible ASCII and spaces (fetch refuses CR, LF and non-Latin-1). */
const headerText = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)), maxLength: 300 });
const base64urlSegment = fc.stringMatching(/^[A-Za-z0-9_-]{0,60}$/);
const jwtShaped = fc.tuple(base64urlSegment, base64urlSegment, base64urlSegment).map((parts) => parts.join('.'));

test('property: a token the gateway mints verifies to the same number, also during a rotation, and under no other key', async () => {
  const verify = createTokenVerifier({ kind: 'secret', secret: TEST_AUTH_SECRET });
  const rotating = createTokenVerifier({ kind: 'secret', secret: OTHER_SECRET, previousSecret: TEST_AUTH_SECRET });
  const stranger = createTokenVerifier({ kind: 'secret', secret: OTHER_SECRET });
  await fc.assert(
    fc.asyncProperty(e164, fc.integer({ min: 5_000, max: 86_400_000 }), async (phoneNumber, ttlMs) => {
      const { accessToken, expiresIn } = await issueAccessToken(TEST_AUTH_SECRET, phoneNumber, ttlMs);
      assert.equal(expiresIn, Math.ceil(ttlMs / 1000));
      assert.equal(await verify(accessToken), phoneNumber);
      assert.equal(await rotating(accessToken), phoneNumber);
      assert.equal(await stranger(accessToken), undefined);
    }),
    { numRuns: 200 },
  );
});

test('property: any string given as a token is refused (undefined), never a throw', async () => {
  const verify = createTokenVerifier({ kind: 'secret', secret: TEST_AUTH_SECRET, previousSecret: OTHER_SECRET });
  await fc.assert(
    fc.asyncProperty(fc.oneof(fc.string({ unit: 'binary', maxLength: 500 }), jwtShaped), async (text) => {
      assert.equal(await verify(text), undefined);
    }),
    { numRuns: 1_000 },
  );
});

test('a token is taken in one spelling only: a signature whose last character differs in its spare bits is refused', async () => {
  const verify = createTokenVerifier({ kind: 'secret', secret: TEST_AUTH_SECRET });
  const { accessToken } = await issueAccessToken(TEST_AUTH_SECRET, '+84909123456', 60_000);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const last = alphabet.indexOf(accessToken.at(-1)!);
  for (const spareBits of [1, 2, 3]) {
    const twin = `${accessToken.slice(0, -1)}${alphabet[last ^ spareBits]}`;
    assert.deepEqual(Buffer.from(twin.split('.')[2]!, 'base64url'), Buffer.from(accessToken.split('.')[2]!, 'base64url'), 'same bytes');
    assert.equal(await verify(twin), undefined);
  }
  assert.equal(await verify(accessToken), '+84909123456');
});

/** Over HTTP, against an in-process gateway with sign-in: whatever a client sends, a clean 4xx, never a 5xx. */
describe('tokens, stream tickets and numbers over HTTP', () => {
  let sms: Awaited<ReturnType<typeof startSmsReceiver>>;
  let gateway: RunningGateway;
  let token: string;
  let requestId: string;

  before(async () => {
    sms = await startSmsReceiver();
    gateway = await startReadyGateway(signInConfig(sms.url, { RATE_LIMIT_PER_MINUTE: '100000' }));
    const phone = randomPhone();
    token = await signIn(gateway, sms, phone, toE164(phone));
    requestId = String((await postJson(gateway, '/voucher', {}, bearer(token))).body.requestId);
  });
  after(async () => {
    await gateway.close();
    await sms.close();
  });

  const statusOf = async (path: string, init: RequestInit = {}) => {
    const response = await fetch(`${gateway.url}${path}`, init);
    await response.arrayBuffer();
    return response.status;
  };

  test('property: any bearer token, made up or a real one edited in one place, is a 401', async () => {
    const edited = fc
      .tuple(fc.nat(), fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.'))
      .map(([at, character]) => {
        const i = at % token.length;
        return token.slice(0, i) + character + token.slice(i + 1);
      })
      .filter((candidate) => candidate !== token);
    await fc.assert(
      fc.asyncProperty(fc.oneof(headerText, jwtShaped, edited), async (text) => {
        const status = await statusOf(`/voucher/requests/${randomUUID()}`, { headers: { authorization: `Bearer ${text}` } });
        assert.equal(status, 401, JSON.stringify(text));
      }),
      { numRuns: 300 },
    );
  });

  test('property: any stream ticket is refused cleanly (400 malformed, 401 unknown), never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), base64urlSegment), async (ticket) => {
        const status = await statusOf(`/voucher/requests/${requestId}/events?ticket=${encodeURIComponent(ticket)}`);
        assert.ok(status === 400 || status === 401, `${status} for ${JSON.stringify(ticket)}`);
      }),
      { numRuns: 300 },
    );
  });

  test('property: any phone number asking for a sign-in code is answered with 202, 400 or 429, never a 5xx', async () => {
    const numberish = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.string({ unit: fc.constantFrom(...'0123456789+ -'), maxLength: 16 }),
      fc.stringMatching(/^09[0-9]{8}$/),
    );
    await fc.assert(
      fc.asyncProperty(numberish, async (phoneNumber) => {
        const { response } = await postJson(gateway, '/auth/otp', { phoneNumber });
        assert.ok([202, 400, 429].includes(response.status), `${response.status} for ${JSON.stringify(phoneNumber)}`);
      }),
      { numRuns: 200 },
    );
  });
});
