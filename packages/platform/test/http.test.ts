import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Type } from '@sinclair/typebox';
import { createHttpServer, problem } from '../src/http/index.ts';
import { createLogger } from '../src/logging/index.ts';

async function server() {
  const app = createHttpServer('http-test', createLogger('http-test', 'silent'));
  app.post('/things', { schema: { body: Type.Object({ name: Type.String(), count: Type.Integer() }) } }, async (request) => request.body);
  app.get(
    '/things',
    { schema: { querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 10 }) }) } },
    async (request) => request.query,
  );
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
