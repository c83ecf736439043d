import assert from 'node:assert/strict';
import { get } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { ConfigError } from '../src/config/index.ts';
import { createHttpServer, type HttpServer } from '../src/http/index.ts';
import { createLogger } from '../src/logging/index.ts';

const logger = createLogger('reuse-port-test', 'silent');

/** A server that says which one it is, with an operations port of its own. */
function server(name: string, options: Parameters<typeof createHttpServer>[2] = {}): HttpServer {
  const app = createHttpServer('reuse-port-test', logger, { admin: { port: 0 }, ...options });
  app.get('/who', async () => ({ name }));
  return app;
}

/** One request on a connection of its own (no keep-alive), so the kernel picks a listener for each. */
const whoAnswers = (port: number) =>
  new Promise<string>((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/who', agent: false }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve((JSON.parse(body) as { name: string }).name));
    }).on('error', reject);
  });

const portOf = (app: HttpServer) => (app.addresses()[0] as AddressInfo).port;

test('without LISTEN_REUSE_PORT a second server on a taken port fails loudly (EADDRINUSE), its admin port closed again', async () => {
  const first = server('first');
  await first.listen({ port: 0, host: '127.0.0.1' });
  const second = server('second');
  try {
    await assert.rejects(second.listen({ port: portOf(first), host: '127.0.0.1' }), { code: 'EADDRINUSE' });
    assert.equal(second.adminUrl, undefined, 'nothing of the second server listens');
  } finally {
    await first.close();
    await second.close();
  }
});

test('LISTEN_REUSE_PORT=true: two servers share one public port, both answer there, each keeps its own admin port', async () => {
  const saved = process.env.LISTEN_REUSE_PORT;
  process.env.LISTEN_REUSE_PORT = 'true';
  const [a, b] = [server('a'), server('b')];
  try {
    await a.listen({ port: 0, host: '127.0.0.1' });
    await b.listen({ port: portOf(a), host: '127.0.0.1' });
    assert.equal(portOf(b), portOf(a));
    assert.notEqual(a.adminUrl, b.adminUrl);
    const answers = new Set<string>();
    // Connections are spread by a hash of their addresses: 64 new ones all landing on one of two listeners is 2^-63.
    for (let i = 0; i < 64 && answers.size < 2; i++) answers.add(await whoAnswers(portOf(a)));
    assert.deepEqual([...answers].sort(), ['a', 'b']);
    await a.close();
    assert.equal(await whoAnswers(portOf(b)), 'b', 'once one closes, the other takes every connection');
  } finally {
    if (saved === undefined) delete process.env.LISTEN_REUSE_PORT;
    else process.env.LISTEN_REUSE_PORT = saved;
    await a.close();
    await b.close();
  }
});

test('a bad LISTEN_REUSE_PORT stops start-up with its name', () => {
  const saved = process.env.LISTEN_REUSE_PORT;
  process.env.LISTEN_REUSE_PORT = 'sometimes';
  try {
    assert.throws(
      () => server('bad'),
      (error: unknown) => error instanceof ConfigError && /LISTEN_REUSE_PORT/.test(error.message),
    );
  } finally {
    if (saved === undefined) delete process.env.LISTEN_REUSE_PORT;
    else process.env.LISTEN_REUSE_PORT = saved;
  }
});
