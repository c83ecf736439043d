import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppError, defineErrors, hasCode, isRetryable } from '../src/errors/index.ts';
import { createHttpServer } from '../src/http/index.ts';
import { PermanentError } from '../src/kafka/index.ts';
import { createLogger } from '../src/logging/index.ts';

const ShopErrors = defineErrors('SHOP', {
  SOLD_OUT: { retryable: false, status: 409 },
  TILL_CLOSED: { retryable: true, status: 503, retryAfterSeconds: 5 },
  SIGN_IN_NEEDED: { retryable: false, status: 401 },
  PRINTER_JAMMED: { retryable: true },
});

test("a package's table gives each error its prefixed code, its retryable flag and its status", () => {
  const error = ShopErrors.SOLD_OUT('no more tea', { cause: new Error('stock 0') });
  assert.ok(error instanceof AppError);
  assert.equal(error.code, 'SHOP_SOLD_OUT');
  assert.equal(ShopErrors.SOLD_OUT.code, 'SHOP_SOLD_OUT');
  assert.equal(error.retryable, false);
  assert.equal(error.status, 409);
  assert.equal(error.message, 'no more tea');
  assert.equal((error.cause as Error).message, 'stock 0');
  assert.ok(hasCode(error, ShopErrors.SOLD_OUT));
  assert.ok(!hasCode(error, ShopErrors.TILL_CLOSED));
  assert.ok(!hasCode(new Error('SHOP_SOLD_OUT'), ShopErrors.SOLD_OUT), 'matched by code, never by message');
});

test('only an error that says retryable: false is not retried; what says nothing is taken as transient', () => {
  assert.equal(isRetryable(ShopErrors.SOLD_OUT('x')), false);
  assert.equal(isRetryable(new PermanentError('bad message')), false);
  assert.equal(isRetryable(Object.assign(new Error('a constraint violation'), { retryable: false })), false);
  assert.equal(isRetryable(ShopErrors.PRINTER_JAMMED('x')), true);
  assert.equal(isRetryable(new Error('ECONNRESET')), true);
  assert.equal(isRetryable(undefined), true);
});

test("the HTTP error handler answers a package's error with its status as a problem, with Retry-After and WWW-Authenticate", async () => {
  const app = createHttpServer('errors-test', createLogger('errors-test', 'silent'));
  app.get('/sold-out', async () => {
    throw ShopErrors.SOLD_OUT('The last tea is sold.');
  });
  app.get('/closed', async () => {
    throw ShopErrors.TILL_CLOSED('The till is closed; come back shortly.');
  });
  app.get('/closed-longer', async () => {
    throw ShopErrors.TILL_CLOSED('The till is closed for lunch.', { retryAfterSeconds: 60 });
  });
  app.get('/sign-in', async () => {
    throw ShopErrors.SIGN_IN_NEEDED('Sign in first.');
  });
  app.get('/jammed', async () => {
    throw ShopErrors.PRINTER_JAMMED('paper jam in tray 2');
  });
  try {
    const soldOut = await app.inject('/sold-out');
    assert.equal(soldOut.statusCode, 409);
    assert.match(String(soldOut.headers['content-type']), /^application\/problem\+json/);
    assert.deepEqual(soldOut.json(), {
      type: 'about:blank',
      title: 'Conflict',
      status: 409,
      detail: 'The last tea is sold.',
      instance: '/sold-out',
    });

    const closed = await app.inject('/closed');
    assert.equal(closed.statusCode, 503);
    assert.equal(closed.headers['retry-after'], '5', "the table's Retry-After");
    assert.equal(closed.json().title, 'Service Unavailable');
    assert.equal((await app.inject('/closed-longer')).headers['retry-after'], '60', "the thrower's Retry-After wins");

    const signIn = await app.inject('/sign-in');
    assert.equal(signIn.statusCode, 401);
    assert.equal(signIn.headers['www-authenticate'], 'Bearer');

    const jammed = await app.inject('/jammed');
    assert.equal(jammed.statusCode, 500, 'an error without a status is unexpected here');
    assert.doesNotMatch(jammed.body, /paper jam/);
  } finally {
    await app.close();
  }
});
