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
