import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import { test } from 'node:test';
import { Type } from '@sinclair/typebox';
import { createHttpServer, problem } from '../src/http/index.ts';
import { createLogger } from '../src/logging/index.ts';
import { waitFor } from '../src/testing/index.ts';

async function server() {
  const app = createHttpServer('http-test', createLogger('http-test', 'silent'));
  app.post('/things', { schema: { body: Type.Object({ name: Type.String(), count: Type.Integer() }) } }, async (request) => request.body);
  app.get(
    '/things',
    { schema: { querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 10 }) }) } },
    async (request) => request.query,
  );
  app.get('/things/:id', { schema: { params: Type.Object({ id: Type.String({ format: 'uuid' }) }) } }, async (request) => request.params);
  app.get('/teapot', async () => {
    throw problem.conflict('already brewing');
  });
  app.get('/boom', async () => {
    throw new Error('secret internals');
  });
  await app.ready();
  return app;
}

test('a JSON body is not coerced: a number where a string belongs is a 400 problem', async () => {
  const app = await server();
  const bad = await app.inject({ method: 'POST', url: '/things', payload: { name: 12345, count: 1 } });
  assert.equal(bad.statusCode, 400);
  assert.match(bad.headers['content-type'] as string, /application\/problem\+json/);
  assert.equal(bad.json().status, 400);
  const good = await app.inject({ method: 'POST', url: '/things', payload: { name: 'a', count: 2 } });
  assert.deepEqual(good.json(), { name: 'a', count: 2 });
  await app.close();
});

test('query strings are text: their numbers are coerced and still range-checked', async () => {
  const app = await server();
  assert.deepEqual((await app.inject('/things?limit=3')).json(), { limit: 3 });
  assert.equal((await app.inject('/things?limit=11')).statusCode, 400);
  assert.equal((await app.inject('/things?limit=ten')).statusCode, 400);
  await app.close();
});

test('errors are RFC 9457 problems, and unexpected ones reveal nothing', async () => {
  const app = await server();
  const conflict = await app.inject('/teapot');
  assert.equal(conflict.statusCode, 409);
  assert.equal(conflict.json().detail, 'already brewing');
  const boom = await app.inject('/boom');
  assert.equal(boom.statusCode, 500);
  assert.doesNotMatch(boom.body, /secret internals/);
  const missing = await app.inject('/nowhere?phoneNumber=0909123456');
  assert.equal(missing.statusCode, 404);
  assert.doesNotMatch(missing.body, /0909123456/, 'the problem names the path, not the query string');
  await app.close();
});

/** A raw HTTP/1.1 exchange on a fresh connection: the whole answer, as the server wrote it before closing. */
async function rawExchange(port: number, request: string): Promise<{ status: number; headers: string; body: string }> {
  const socket = connect(port, '127.0.0.1');
  let answer = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (answer += chunk));
  socket.on('error', () => {}); // the server may reset the connection after answering
  socket.end(request);
  await once(socket, 'close');
  const [head = '', body = ''] = answer.split('\r\n\r\n');
  return { status: Number(head.split(' ')[1]), headers: head.toLowerCase(), body };
}

test('a 100 KB URL, a 20 KB header or broken HTTP is answered with a problem document, not a bare status line', async () => {
  const app = await server();
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  try {
    const longUrl = await fetch(`http://127.0.0.1:${port}/things?phoneNumber=0909123456&pad=${'a'.repeat(100_000)}`);
    const bigHeader = await fetch(`http://127.0.0.1:${port}/things`, { headers: { 'x-padding': 'a'.repeat(20_000) } });
    for (const response of [longUrl, bigHeader]) {
      assert.equal(response.status, 431);
      assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/);
      const body = (await response.json()) as Record<string, unknown>;
      assert.equal(body.status, 431);
      assert.equal(body.title, 'Request Header Fields Too Large');
      assert.match(String(body.detail), /URL|header/);
      assert.doesNotMatch(JSON.stringify(body), /0909123456/, 'nothing of the refused request is echoed');
    }
    const garbage = await rawExchange(port, 'NOT HTTP AT ALL\r\n\r\n');
    assert.equal(garbage.status, 400);
    assert.match(garbage.headers, /content-type: application\/problem\+json/);
    assert.equal(JSON.parse(garbage.body).status, 400);
  } finally {
    await app.close();
  }
});

test('a known path under another method is 405 with Allow; an unknown path stays 404', async () => {
  const app = await server();
  for (const method of ['PUT', 'DELETE', 'PATCH'] as const) {
    const response = await app.inject({ method, url: '/things?phoneNumber=0909123456' });
    assert.equal(response.statusCode, 405, method);
    assert.equal(response.headers.allow, 'GET, HEAD, POST');
    assert.match(response.headers['content-type'] as string, /^application\/problem\+json/);
    assert.equal(response.json().title, 'Method Not Allowed');
    assert.doesNotMatch(response.body, /0909123456/);
  }
  const withParameter = await app.inject({ method: 'POST', url: '/things/9f0c3c8e-8a53-4a5e-9d0c-5b6f3e1d2a10' });
  assert.equal(withParameter.statusCode, 405);
  assert.equal(withParameter.headers.allow, 'GET, HEAD');
  const unknown = await app.inject({ method: 'PUT', url: '/nowhere' });
  assert.equal(unknown.statusCode, 404);
  assert.equal(unknown.headers.allow, undefined);
  await app.close();
});

test('malformed JSON and a body that is not JSON get their own titles and say that JSON is expected', async () => {
  const app = await server();
  const malformed = await app.inject({
    method: 'POST',
    url: '/things',
    headers: { 'content-type': 'application/json' },
    payload: '{"name":',
  });
  assert.equal(malformed.statusCode, 400);
  assert.equal(malformed.json().title, 'Malformed JSON body');
  assert.match(malformed.json().detail, /not valid JSON/);
  const empty = await app.inject({ method: 'POST', url: '/things', headers: { 'content-type': 'application/json' }, payload: '' });
  assert.equal(empty.json().title, 'Malformed JSON body');
  for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
    const response = await app.inject({ method: 'POST', url: '/things', headers: { 'content-type': contentType }, payload: 'name=a' });
    assert.equal(response.statusCode, 415, contentType);
    assert.match(response.headers['content-type'] as string, /^application\/problem\+json/);
    assert.equal(response.json().title, 'Unsupported media type');
    assert.match(response.json().detail, /application\/json/);
  }
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  const untyped = await rawExchange(
    port,
    'POST /things HTTP/1.1\r\nHost: x\r\nContent-Length: 12\r\nConnection: close\r\n\r\n{"name":"a"}',
  );
  assert.equal(untyped.status, 415, 'a body without any Content-Type');
  assert.equal(JSON.parse(untyped.body).title, 'Unsupported media type');
  assert.doesNotMatch(untyped.body, /FastifyError/);
  await app.close();
});

test('a validation failure reads as a sentence, and names the field in the errors extension', async () => {
  const app = await server();
  const badId = await app.inject('/things/not-a-uuid');
  assert.equal(badId.statusCode, 400);
  assert.equal(badId.json().detail, 'id must be a UUID.');
  assert.deepEqual(badId.json().errors, [{ field: 'id', in: 'path', message: 'id must be a UUID.' }]);
  const missing = await app.inject({ method: 'POST', url: '/things', payload: { count: 1 } });
  assert.equal(missing.json().detail, 'name is required.');
  assert.deepEqual(missing.json().errors, [{ field: 'name', in: 'body', message: 'name is required.' }]);
  const tooMany = await app.inject('/things?limit=11');
  assert.equal(tooMany.json().detail, 'limit must be at most 10.');
  assert.equal(tooMany.json().errors[0].in, 'query');
  const notAnObject = await app.inject({ method: 'POST', url: '/things', payload: '[1]', headers: { 'content-type': 'application/json' } });
  assert.equal(notAnObject.json().detail, 'The request body must be a JSON object.');
  await app.close();
});

test('a graceful close lets a request in flight finish with its answer, and refuses new ones', async () => {
  const app = createHttpServer('http-test', createLogger('http-test', 'silent'));
  let release!: () => void;
  const arrived = new Promise<void>((resolve) => {
    app.post('/slow', async () => {
      resolve();
      await new Promise<void>((done) => (release = done));
      return { done: true };
    });
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  const inFlight = fetch(`http://127.0.0.1:${port}/slow`, { method: 'POST' });
  await arrived;
  const closed = app.close();
  // Wait until the server takes no new connection: the close is under way while the request is still in flight.
  await waitFor(
    () =>
      fetch(`http://127.0.0.1:${port}/healthz`).then(
        () => undefined,
        () => true,
      ),
    'the server to refuse new connections',
  );
  release();
  const answer = await inFlight;
  assert.equal(answer.status, 200);
  assert.deepEqual(await answer.json(), { done: true });
  await closed;
});

test('a database that is away (refused, restarting, dropped mid-query) is a 503 with Retry-After, not a 500', async () => {
  const app = createHttpServer('http-test', createLogger('http-test', 'silent'));
  const away = [
    Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
    Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
    new Error('Connection terminated unexpectedly'),
  ];
  app.get('/away/:n', async (request) => {
    throw away[Number((request.params as { n: string }).n)];
  });
  app.get('/bug', async () => {
    throw Object.assign(new Error('syntax error at or near "SELEC"'), { code: '42601' });
  });
  for (const n of [0, 1, 2]) {
    const answer = await app.inject({ method: 'GET', url: `/away/${n}` });
    assert.equal(answer.statusCode, 503, away[n]!.message);
    assert.ok(Number(answer.headers['retry-after']) > 0);
    assert.match(answer.json().detail, /nothing was changed/);
  }
  assert.equal((await app.inject({ method: 'GET', url: '/bug' })).statusCode, 500, 'a bug stays a 500');
  await app.close();
});
