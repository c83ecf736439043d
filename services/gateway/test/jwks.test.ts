import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { bearer, postJson } from './support/auth-helpers.ts';
import { randomPhone, startReadyGateway, testConfig, toE164 } from './support/gateway-harness.ts';

const ISSUER = 'https://id.example.test';
const AUDIENCE = 'voucher-api';

/** A stand-in for an external identity provider: publishes one public key as a JWKS. */
async function startJwksServer(publicKey: CryptoKey) {
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'provider-key', alg: 'RS256', use: 'sig' }] });
  const server = createServer((_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end(jwks));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const tokenFor = (phoneNumber: string, key: CryptoKey, issuer = ISSUER) =>
  new SignJWT({})
    .setProtectedHeader({ alg: 'RS256', kid: 'provider-key' })
    .setSubject(phoneNumber)
    .setIssuer(issuer)
    .setAudience(AUDIENCE)
    .setExpirationTime('5m')
    .sign(key);

test('with an external JWKS, its tokens are accepted, others are refused, and /auth/* is not served', async () => {
  const provider = await generateKeyPair('RS256');
  const impostor = await generateKeyPair('RS256');
  const jwks = await startJwksServer(provider.publicKey);
  const gateway = await startReadyGateway(
    testConfig({ AUTH_REQUIRED: 'true', AUTH_JWKS_URL: jwks.url, AUTH_ISSUER: ISSUER, AUTH_AUDIENCE: AUDIENCE }),
  );
  try {
    const phone = randomPhone();
    const buy = (token: string) => postJson(gateway, '/voucher', {}, bearer(token));
    const accepted = await buy(await tokenFor(toE164(phone), provider.privateKey));
    assert.equal(accepted.response.status, 202);
    assert.equal((await buy(await tokenFor(toE164(phone), impostor.privateKey))).response.status, 401, 'signed by another key');
    assert.equal(
      (await buy(await tokenFor(toE164(phone), provider.privateKey, 'https://other.test'))).response.status,
      401,
      'other issuer',
    );
    assert.equal((await postJson(gateway, '/auth/otp', { phoneNumber: phone })).response.status, 404);
    assert.equal((await postJson(gateway, '/auth/token', { phoneNumber: phone, otp: '123456' })).response.status, 404);
  } finally {
    await gateway.close();
    await jwks.close();
  }
});

/** A provider's token with exactly the claims given (no expiry unless `exp` is set). */
const providerToken = (claims: Record<string, unknown>, key: CryptoKey, exp?: string) => {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'provider-key' }).setIssuer(ISSUER).setAudience(AUDIENCE);
  return (exp ? jwt.setExpirationTime(exp) : jwt).sign(key);
};

test('an external token needs an expiry, and its phone_number claim counts only when phone_number_verified is true', async () => {
  const provider = await generateKeyPair('RS256');
  const jwks = await startJwksServer(provider.publicKey);
  const gateway = await startReadyGateway(
    testConfig({ AUTH_REQUIRED: 'true', AUTH_JWKS_URL: jwks.url, AUTH_ISSUER: ISSUER, AUTH_AUDIENCE: AUDIENCE }),
  );
  try {
    const phone = toE164(randomPhone());
    const buy = async (token: string) => (await postJson(gateway, '/voucher', {}, bearer(token))).response.status;
    const key = provider.privateKey;
    assert.equal(await buy(await providerToken({ sub: phone }, key)), 401, 'no exp: a key for life');
    assert.equal(await buy(await providerToken({ sub: phone }, key, '5m')), 202, 'sub with an expiry');
    assert.equal(await buy(await providerToken({ sub: 'user-1', phone_number: phone }, key, '5m')), 401, 'unverified phone_number');
    assert.equal(
      await buy(await providerToken({ sub: 'user-1', phone_number: phone, phone_number_verified: false }, key, '5m')),
      401,
      'phone_number_verified: false',
    );
    assert.equal(
      await buy(await providerToken({ sub: 'user-1', phone_number: phone, phone_number_verified: 'true' }, key, '5m')),
      401,
      'only the JSON boolean true counts',
    );
    assert.equal(
      await buy(await providerToken({ sub: phone, phone_number: toE164(randomPhone()) }, key, '5m')),
      401,
      'an unverified phone_number is not replaced by sub',
    );
    assert.equal(await buy(await providerToken({ sub: 'user-1', phone_number: phone, phone_number_verified: true }, key, '5m')), 202);
    assert.equal(
      await buy(await providerToken({ sub: 'user-1', phone_number: '0909123456', phone_number_verified: true }, key, '5m')),
      401,
      'E.164 only',
    );
  } finally {
    await gateway.close();
    await jwks.close();
  }
});
