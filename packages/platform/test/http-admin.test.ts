import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { test } from 'node:test';
import { ConfigError } from '../src/config/index.ts';
import { createHttpServer, type HttpServer } from '../src/http/index.ts';
import { createLogger } from '../src/logging/index.ts';

const logger = createLogger('http-admin-test', 'silent');
const SECRET_FAILURE = 'connect ECONNREFUSED 10.1.2.3:5432 (user voucher_admin)';

/** A server whose readiness check fails with a message that must stay inside the bank. */
async function notReadyServer(options: Parameters<typeof createHttpServer>[2] = {}): Promise<HttpServer> {
  const app = createHttpServer('admin-test', logger, { admin: { port: 0 }, ...options });
  app.addReadinessCheck('database', () => {
    throw new Error(SECRET_FAILURE);
  });
  app.metrics.counter('admin_test_total', 'a metric of this test').inc();
  await app.listen({ port: 0, host: '127.0.0.1' });
  return app;
}

const publicUrl = (app: HttpServer) => {
  const address = app.addresses()[0] as AddressInfo;
  return `http://127.0.0.1:${address.port}`;
};

test('/metrics is not on the public port: 404 there, 200 on the admin port', async () => {
  const app = await notReadyServer();
  try {
    const onPublic = await fetch(`${publicUrl(app)}/metrics`);
    assert.equal(onPublic.status, 404);
    assert.doesNotMatch(await onPublic.text(), /admin_test_total/);
    assert.ok(app.adminUrl, 'the admin URL is known once the server listens');
    assert.notEqual(new URL(app.adminUrl).port, new URL(publicUrl(app)).port, 'a port of its own');
    const onAdmin = await fetch(`${app.adminUrl}/metrics`);
    assert.equal(onAdmin.status, 200);
    assert.match(onAdmin.headers.get('content-type') ?? '', /text\/plain/);
    assert.match(await onAdmin.text(), /admin_test_total\{service="admin-test"\} 1/);
  } finally {
    await app.close();
  }
});

test('the public /readyz answers 200 or 503 with no error text; the admin one names the failing check and why', async () => {
  const app = await notReadyServer();
  try {
    const onPublic = await fetch(`${publicUrl(app)}/readyz`);
    assert.equal(onPublic.status, 503);
    const publicText = await onPublic.text();
    assert.doesNotMatch(publicText, /ECONNREFUSED|10\.1\.2\.3|voucher_admin|database/);
    assert.deepEqual(JSON.parse(publicText), { status: 'not ready', service: 'admin-test' });
    const onAdmin = await fetch(`${app.adminUrl}/readyz`);
    assert.equal(onAdmin.status, 503);
    assert.deepEqual(await onAdmin.json(), { status: 'not ready', service: 'admin-test', failures: { database: SECRET_FAILURE } });
    assert.equal((await fetch(`${publicUrl(app)}/healthz`)).status, 200, '/healthz stays public');
  } finally {
    await app.close();
  }
});

test('a ready server is 200 on both; the admin port answers nothing else (404)', async () => {
  const app = createHttpServer('admin-test', logger, { admin: { port: 0 } });
  await app.listen({ port: 0, host: '127.0.0.1' });
  try {
    assert.deepEqual(await (await fetch(`${publicUrl(app)}/readyz`)).json(), { status: 'ready', service: 'admin-test' });
    assert.deepEqual(await (await fetch(`${app.adminUrl}/readyz`)).json(), { status: 'ready', service: 'admin-test' });
    assert.equal((await fetch(`${app.adminUrl}/healthz`)).status, 200);
    assert.equal((await fetch(`${app.adminUrl}/anything`)).status, 404);
    assert.equal((await fetch(`${app.adminUrl}/metrics`, { method: 'POST' })).status, 405);
  } finally {
    await app.close();
  }
});

test('the admin port listens on ADMIN_HOST (127.0.0.1 by default), and closes with the server', async () => {
  const app = createHttpServer('admin-test', logger, { admin: { port: 0 } });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const adminUrl = app.adminUrl!;
  assert.equal(new URL(adminUrl).hostname, '127.0.0.1');
  await app.close();
  await assert.rejects(fetch(`${adminUrl}/metrics`), 'nothing listens there any more');
  assert.equal(app.adminUrl, undefined);
});

test('the admin port defaults to the service port + 1000 (0 stays 0); ADMIN_PORT and ADMIN_HOST set it', async () => {
  const port = await freePortBelow(64_000);
  const saved = { ADMIN_PORT: process.env.ADMIN_PORT, ADMIN_HOST: process.env.ADMIN_HOST };
  try {
    delete process.env.ADMIN_PORT;
    const byDefault = createHttpServer('admin-test', logger);
    await byDefault.listen({ port, host: '127.0.0.1' });
    assert.equal(byDefault.adminUrl, `http://127.0.0.1:${port + 1000}`);
    await byDefault.close();

    const adminPort = await freePortBelow(65_000);
    process.env.ADMIN_PORT = String(adminPort);
    process.env.ADMIN_HOST = 'localhost';
    const fromEnvironment = createHttpServer('admin-test', logger);
    await fromEnvironment.listen({ port: 0, host: '127.0.0.1' });
    assert.equal(fromEnvironment.adminUrl, `http://localhost:${adminPort}`);
    assert.equal((await fetch(`${fromEnvironment.adminUrl}/healthz`)).status, 200);
    await fromEnvironment.close();

    process.env.ADMIN_PORT = 'ninety';
    assert.throws(
      () => createHttpServer('admin-test', logger),
      (error: unknown) => error instanceof ConfigError && /ADMIN_PORT/.test(error.message),
    );
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
});

test('an admin port that is taken fails start-up (EADDRINUSE) and leaves the public port closed', async () => {
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const takenPort = (taken.address() as { port: number }).port;
  const app = createHttpServer('admin-test', logger, { admin: { port: takenPort } });
  try {
    await assert.rejects(app.listen({ port: 0, host: '127.0.0.1' }), (error: NodeJS.ErrnoException) => error.code === 'EADDRINUSE');
    assert.equal(app.server.listening, false, 'the public port was closed again');
  } finally {
    taken.close();
    await app.close().catch(() => {});
  }
});

/** A free port whose neighbour 1000 above is free too (the default admin port). */
async function freePortBelow(limit: number): Promise<number> {
  for (;;) {
    const port = await listenAndRelease(0);
    if (port < limit && (await listenAndRelease(port + 1000).catch(() => undefined))) return port;
  }
}

function listenAndRelease(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const bound = (server.address() as { port: number }).port;
      server.close(() => resolve(bound));
    });
  });
}
