import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { openPage } from '@voucher/platform/testing';
import type { RunningGateway } from '../src/service.ts';
import { postVoucher, randomPhone, startReadyGateway, testConfig, waitFor } from './support/gateway-harness.ts';

/** Resolves with what `promise` gives, or rejects once `ms` have passed: a bound on a wait that must end. */
function within<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms)));
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/**
 * A raw client on the gateway's port: writes `start`, then one more byte every `dripMs` (0: nothing more), and
 * resolves with everything the server sent once the server closes the connection.
 */
function slowClient(gateway: RunningGateway, start: string, dripMs: number) {
  const socket = connect(gateway.port, '127.0.0.1');
  let received = '';
  let drip: NodeJS.Timeout | undefined;
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (received += chunk));
  // A server that closes with dripped bytes still unread resets the connection (ECONNRESET) after its answer; the
  // kernel hands over what arrived before the reset first, so the answer is in `received` and 'close' still follows.
  socket.on('error', () => {});
  socket.on('connect', () => {
    socket.write(start);
    if (dripMs > 0) drip = setInterval(() => socket.writable && socket.write('x'), dripMs);
  });
  const closed = new Promise<string>((resolve) =>
    socket.on('close', () => {
      clearInterval(drip);
      resolve(received);
    }),
  );
  return { closed, destroy: () => socket.destroy() };
}

describe('HTTP timeouts', () => {
  let gateway: RunningGateway;

  before(async () => {
    gateway = await startReadyGateway(
      testConfig({ HTTP_REQUEST_TIMEOUT_MS: '1000', HTTP_CONNECTION_TIMEOUT_MS: '1500', SSE_KEEPALIVE_MS: '200' }),
    );
  });
  after(() => gateway.close());

  test('a client that sends its request a byte at a time is cut off with 408 after HTTP_REQUEST_TIMEOUT_MS', async () => {
    const startedAt = Date.now();
    // Never silent for long (a byte every 100 ms), so only the whole-request deadline can end it.
    const client = slowClient(gateway, 'GET /healthz HTTP/1.1\r\nHost: gateway\r\nX-Slow: ', 100);
    try {
      const answer = await within(5_000, client.closed, 'the slow request to be cut off');
      assert.match(answer, /^HTTP\/1\.1 408 /);
      assert.match(answer, /application\/problem\+json/);
      assert.ok(Date.now() - startedAt >= 900, 'not before the request timeout');
    } finally {
      client.destroy();
    }
  });

  test('a connection that sends nothing is closed', async () => {
    const client = slowClient(gateway, '', 0);
    try {
      await within(5_000, client.closed, 'the silent connection to be closed');
    } finally {
      client.destroy();
    }
  });

  test('an event stream outlives both timeouts: they bound how a request arrives, and keep-alives keep it from being silent', async () => {
    const { body } = await postVoucher(gateway, `?phoneNumber=${randomPhone()}`);
    const page = openPage(`${gateway.url}/voucher/requests/${String(body.requestId)}/events`);
    let ended = false;
    void page.ended.then(() => (ended = true));
    try {
      assert.equal((await page.opened).statusCode, 200);
      // 15 keep-alives at 200 ms: 3 s, twice the connection timeout and three times the request timeout.
      await waitFor(() => (page.comments >= 16 || ended ? true : undefined), 'fifteen keep-alives', 10_000);
      assert.equal(ended, false, 'the stream is still open');
    } finally {
      page.close();
    }
  });
});

describe('event streams per customer', () => {
  let capped: RunningGateway;
  let shortLived: RunningGateway;

  before(async () => {
    capped = await startReadyGateway(testConfig({ SSE_MAX_STREAMS_PER_CUSTOMER: '2' }));
    shortLived = await startReadyGateway(testConfig({ SSE_MAX_LIFETIME_MS: '600', SSE_KEEPALIVE_MS: '100' }));
  });
  after(async () => {
    await capped.close();
    await shortLived.close();
  });

  const newRequest = async (gateway: RunningGateway, phone: string) =>
    String((await postVoucher(gateway, `?phoneNumber=${phone}`)).body.requestId);
  const eventsUrl = (gateway: RunningGateway, requestId: string) => `${gateway.url}/voucher/requests/${requestId}/events`;

  test('a customer holds at most SSE_MAX_STREAMS_PER_CUSTOMER streams at once (429 beyond); closing one frees a place', async () => {
    const phone = randomPhone();
    const [first, second] = [await newRequest(capped, phone), await newRequest(capped, phone)];
    const pages = [openPage(eventsUrl(capped, first)), openPage(eventsUrl(capped, second))];
    try {
      for (const page of pages) assert.equal((await page.opened).statusCode, 200);
      const third = await fetch(eventsUrl(capped, first));
      assert.equal(third.status, 429, 'a third tab');
      assert.match(third.headers.get('content-type') ?? '', /^application\/problem\+json/);
      assert.ok(Number(third.headers.get('retry-after')) >= 1);

      const other = openPage(eventsUrl(capped, await newRequest(capped, randomPhone())));
      assert.equal((await other.opened).statusCode, 200, 'another customer is not held back');
      other.close();

      pages[0]!.close();
      const reopened = await waitFor(async () => {
        const page = openPage(eventsUrl(capped, first));
        if ((await page.opened).statusCode === 200) return page;
        page.close();
        return undefined;
      }, 'a place to be free again');
      pages.push(reopened);
    } finally {
      for (const page of pages) page.close();
    }
  });

  test('a stream ends after SSE_MAX_LIFETIME_MS without an event, and the page can open a new one', async () => {
    const requestId = await newRequest(shortLived, randomPhone());
    const page = openPage(eventsUrl(shortLived, requestId));
    assert.equal((await page.opened).statusCode, 200);
    await within(5_000, page.ended, 'the stream to end at its lifetime');
    assert.deepEqual(page.events, [], 'no outcome: it simply ended');
    const again = openPage(eventsUrl(shortLived, requestId));
    try {
      assert.equal((await again.opened).statusCode, 200);
    } finally {
      again.close();
    }
  });
});
