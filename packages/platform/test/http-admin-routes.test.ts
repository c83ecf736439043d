import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Type } from '@sinclair/typebox';
import { createHttpServer, requireStaffToken, staffSettings } from '../src/http/index.ts';
import { loadConfig } from '../src/config/index.ts';
import { createLogger } from '../src/logging/index.ts';

const logger = createLogger('http-admin-routes-test', 'silent');
const STAFF_TOKEN = 'staff-token-of-this-test-0123456789abcdef';

/** A server with one staff route on its operations port, guarded by `token`. */
async function serverWithStaffRoute(token: string | undefined) {
  const app = createHttpServer('admin-routes-test', logger, { admin: { port: 0 } });
  app.metrics.counter('admin_routes_test_total', 'a metric of this test').inc();
  await app.adminRoutes.register(async (scope) => {
    scope.addHook('onRequest', requireStaffToken(token));
    scope.get('/admin/things/:id', { schema: { params: Type.Object({ id: Type.String({ format: 'uuid' }) }) } }, async (request) => ({
      id: (request.params as { id: string }).id,
    }));
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return app;
}

const ID = '7a1f9d8e-2b4c-4d6e-8f00-112233445566';
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

test('a service adds routes to the operations port; /metrics, /readyz and /healthz still answer there', async () => {
  const app = await serverWithStaffRoute(STAFF_TOKEN);
  try {
    const thing = await fetch(`${app.adminUrl}/admin/things/${ID}`, { headers: bearer(STAFF_TOKEN) });
    assert.equal(thing.status, 200);
    assert.deepEqual(await thing.json(), { id: ID });
    assert.match(await (await fetch(`${app.adminUrl}/metrics`)).text(), /admin_routes_test_total\{service="admin-routes-test"\} 1/);
    assert.equal((await fetch(`${app.adminUrl}/readyz`)).status, 200);
    assert.equal((await fetch(`${app.adminUrl}/healthz`)).status, 200);
    const publicPort = (app.addresses()[0] as { port: number }).port;
    const onPublic = await fetch(`http://127.0.0.1:${publicPort}/admin/things/${ID}`, { headers: bearer(STAFF_TOKEN) });
    assert.equal(onPublic.status, 404, 'never on the public port');
  } finally {
    await app.close();
  }
});

test('admin routes answer problems: 400 for a bad parameter, 404 for an unknown path, 405 for another method', async () => {
  const app = await serverWithStaffRoute(STAFF_TOKEN);
  try {
    const bad = await fetch(`${app.adminUrl}/admin/things/not-a-uuid`, { headers: bearer(STAFF_TOKEN) });
    assert.equal(bad.status, 400);
    assert.match(bad.headers.get('content-type') ?? '', /application\/problem\+json/);
    const unknown = await fetch(`${app.adminUrl}/admin/nothing`);
    assert.equal(unknown.status, 404);
    assert.equal(((await unknown.json()) as { status: number }).status, 404);
    assert.equal((await fetch(`${app.adminUrl}/metrics`, { method: 'POST' })).status, 405, 'the fixed routes keep their rules');
  } finally {
    await app.close();
  }
});

test('the staff token: none is 401, another is 403 (no data either way)', async () => {
  const app = await serverWithStaffRoute(STAFF_TOKEN);
  try {
    const none = await fetch(`${app.adminUrl}/admin/things/${ID}`);
    assert.equal(none.status, 401);
    assert.equal(none.headers.get('www-authenticate'), 'Bearer');
    const wrong = await fetch(`${app.adminUrl}/admin/things/${ID}`, { headers: bearer(`${STAFF_TOKEN}x`) });
    assert.equal(wrong.status, 403);
    assert.equal(((await wrong.json()) as { id?: string }).id, undefined, 'the route did not run');
  } finally {
    await app.close();
  }
});

test('without STAFF_TOKEN the staff routes are off: a 404 problem that says so, whatever token is sent', async () => {
  const app = await serverWithStaffRoute(undefined);
  try {
    const off = await fetch(`${app.adminUrl}/admin/things/${ID}`, { headers: bearer(STAFF_TOKEN) });
    assert.equal(off.status, 404);
    assert.match(((await off.json()) as { detail: string }).detail, /support view is off.*STAFF_TOKEN/);
  } finally {
    await app.close();
  }
});

test('STAFF_TOKEN: unset is off, a short one stops start-up', () => {
  assert.equal(loadConfig(staffSettings, {}).STAFF_TOKEN, undefined);
  assert.equal(loadConfig(staffSettings, { STAFF_TOKEN: STAFF_TOKEN }).STAFF_TOKEN, STAFF_TOKEN);
  assert.throws(() => loadConfig(staffSettings, { STAFF_TOKEN: 'short' }), /STAFF_TOKEN must be at least 32 characters/);
});
