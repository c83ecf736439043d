import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunningGateway } from '../src/service.ts';
import { signInConfig } from './support/auth-helpers.ts';
import { startReadyGateway } from './support/gateway-harness.ts';

describe('the web page, its settings and the OpenAPI document', () => {
  let gateway: RunningGateway;

  before(async () => {
    gateway = await startReadyGateway(signInConfig('http://127.0.0.1:1', { WEB_DEADLINE_MS: '30000' }));
  });
  after(() => gateway.close());

  test('GET / serves the page with a strict Content-Security-Policy and nosniff', async () => {
    const response = await fetch(`${gateway.url}/`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
    const policy = response.headers.get('content-security-policy') ?? '';
    assert.match(policy, /default-src 'self'/);
    assert.doesNotMatch(policy, /unsafe-inline/);
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    assert.match(await response.text(), /<html/i);
  });

  test('GET /app-config.json tells the page whether to sign in and how long to wait', async () => {
    const response = await fetch(`${gateway.url}/app-config.json`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { authRequired: true, webDeadlineMs: 30000 });
  });

  test('an unknown path is still a problem document', async () => {
    const response = await fetch(`${gateway.url}/no-such-file.js`);
    assert.equal(response.status, 404);
    assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/);
  });

  test('GET /docs is a browsable API reference under the strict policy, whose own assets load', async () => {
    const response = await fetch(`${gateway.url}/docs`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
    const policy = response.headers.get('content-security-policy') ?? '';
    assert.match(policy, /script-src 'self'(;|$)/);
    assert.match(policy, /style-src 'self'(;|$)/);
    assert.doesNotMatch(policy, /unsafe-inline|unsafe-eval|https:/);
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    const html = await response.text();
    const scripts = [...html.matchAll(/<script\b[^>]*>/gi)].map((match) => match[0]);
    assert.ok(scripts.length > 0 && scripts.every((tag) => /\ssrc="/.test(tag)), 'no inline script for the policy to refuse');
    assert.doesNotMatch(html, /<style|\sstyle=/i, 'no inline style either');
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]!);
    assert.ok(assets.some((asset) => asset.endsWith('.js')) && assets.some((asset) => asset.endsWith('.css')), assets.join(' '));
    for (const asset of assets) {
      const url = new URL(asset, `${gateway.url}/docs`);
      assert.equal(url.origin, new URL(gateway.url).origin, `${asset} comes from the gateway itself`);
      const loaded = await fetch(url);
      assert.equal(loaded.status, 200, asset);
      await loaded.arrayBuffer();
    }
    const initializer = await (await fetch(`${gateway.url}/docs/static/swagger-initializer.js`)).text();
    assert.match(initializer, /\.\/json/, 'the reference reads the document from /docs/json');
  });

  test('GET /docs/json is the OpenAPI 3 document of the customer routes with the bearer scheme', async () => {
    const response = await fetch(`${gateway.url}/docs/json`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
    const document = (await response.json()) as {
      openapi: string;
      paths: Record<string, Record<string, { security?: unknown[] }>>;
      components: { securitySchemes: Record<string, { scheme?: string }> };
    };
    assert.match(document.openapi, /^3\./);
    for (const path of ['/voucher', '/auth/otp', '/auth/token', '/voucher/requests/{requestId}', '/voucher/requests/{requestId}/events']) {
      assert.ok(document.paths[path], `${path} is documented`);
    }
    assert.ok(document.paths['/voucher']!.get && document.paths['/voucher']!.post);
    assert.deepEqual(document.paths['/voucher']!.get!.security, [{ bearerAuth: [] }]);
    assert.equal(document.components.securitySchemes.bearerAuth!.scheme, 'bearer');
    for (const path of Object.keys(document.paths)) {
      assert.doesNotMatch(path, /^\/(healthz|readyz|metrics|docs)/, `${path} is not a customer route`);
    }
  });
});
