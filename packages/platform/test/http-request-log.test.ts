import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createHttpServer } from '../src/http/index.ts';
import { createLogger } from '../src/logging/index.ts';

/** A destination that keeps every line written to it, as parsed JSON. */
function capture() {
  const lines: Record<string, unknown>[] = [];
  return { lines, write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) };
}

/** A server whose one route logs a phone number through request.log at `routeLevel`, and answers with its request id. */
async function server(loggerLevel: string, routeLevel: 'info' | 'debug' | 'trace') {
  const out = capture();
  const logger = createLogger('http-test', loggerLevel, { format: 'json', destination: out });
  const app = createHttpServer('http-test', logger);
  app.post('/vouchers', async (request, reply) => {
    request.log[routeLevel]({ phoneNumber: '+84909123456' }, 'voucher asked for');
    return reply.code(202).send({ reqId: request.id });
  });
  await app.ready();
  return { app, logger, lines: out.lines };
}

test('a line written through request.log carries the request id and the service, with the phone number masked', async () => {
  const { app, lines } = await server('info', 'info');
  try {
    const response = await app.inject({ method: 'POST', url: '/vouchers', payload: {} });
    assert.equal(response.statusCode, 202);
    const line = lines.find((entry) => entry.msg === 'voucher asked for');
    assert.ok(line, 'the route line was written');
    assert.equal(line.reqId, response.json().reqId);
    assert.equal(line.name, 'http-test');
    assert.equal(line.phoneNumber, '*********456');
    assert.doesNotMatch(JSON.stringify(lines), /909123/);
  } finally {
    await app.close();
  }
});

test('at debug, the per-response line carries the request id and the path without its query string', async () => {
  const { app, lines } = await server('debug', 'debug');
  try {
    const response = await app.inject({ method: 'POST', url: '/vouchers?phoneNumber=0909123456', payload: {} });
    const { reqId } = response.json() as { reqId: string };
    assert.deepEqual(
      lines.map((entry) => [entry.msg, entry.reqId]),
      [
        ['voucher asked for', reqId],
        ['request', reqId],
      ],
    );
    assert.equal(lines[1]!.path, '/vouchers');
    assert.doesNotMatch(JSON.stringify(lines), /909123/);
  } finally {
    await app.close();
  }
});

test('a request that writes nothing at an enabled level makes no pino child logger, and still succeeds', async () => {
  const { app, logger, lines } = await server('info', 'debug');
  let children = 0;
  logger.onChild = () => void children++;
  try {
    const response = await app.inject({ method: 'POST', url: '/vouchers', payload: {} });
    assert.equal(response.statusCode, 202);
    assert.deepEqual(lines, [], 'neither the route line (debug) nor the per-response line (debug)');
    assert.equal(children, 0, 'the child, with its redacted bindings, is made only for a line that is written');
  } finally {
    await app.close();
  }
});

test('a route with its own log level logs at that level, with the request id', async () => {
  const out = capture();
  const app = createHttpServer('http-test', createLogger('http-test', 'info', { format: 'json', destination: out }));
  app.get('/chatty', { logLevel: 'trace' }, async (request) => {
    request.log.trace({ to: '+84909123456' }, 'tracing');
    return { reqId: request.id };
  });
  try {
    const response = await app.inject('/chatty');
    const line = out.lines.find((entry) => entry.msg === 'tracing');
    assert.equal(line?.reqId, response.json().reqId);
    assert.equal(line?.to, '*********456');
  } finally {
    await app.close();
  }
});
