import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { createHttpServer } from '../src/http/index.ts';
import { boundAddress, startParts } from '../src/lifecycle/index.ts';
import { createLogger } from '../src/logging/index.ts';

const logger = createLogger('service-parts-test', 'silent');

/** Whether `port` on `host` can be bound now (nothing holds it). */
const isFree = (port: number, host: string) =>
  new Promise<boolean>((resolve) => {
    const probe = createServer()
      .once('error', () => resolve(false))
      .listen(port, host, () => probe.close(() => resolve(true)));
  });

test('close() stops the parts in reverse order of starting, and a part that fails to close does not stop the others', async () => {
  const closed: string[] = [];
  const service = await startParts(logger, async (parts) => {
    parts.add({ close: async () => void closed.push('database') });
    parts.onClose(() => {
      closed.push('listener');
      throw new Error('already gone');
    });
    parts.add({ close: async () => void closed.push('http') });
    return { name: 'test' };
  });
  assert.equal(service.name, 'test');
  await service.close();
  assert.deepEqual(closed, ['http', 'listener', 'database']);
});

test('a step that fails closes what had started (a listening server lets its port go) and the error goes on', async () => {
  const closed: string[] = [];
  let port = 0;
  const failure = new Error('the broker is not there yet');
  await assert.rejects(
    startParts(logger, async (parts) => {
      parts.add({ close: async () => void closed.push('database') });
      const http = createHttpServer('service-parts-test', logger, { admin: { port: 0 } });
      await http.listen({ port: 0, host: '127.0.0.1' });
      parts.add(http);
      port = boundAddress(http, '127.0.0.1').port;
      assert.equal(await isFree(port, '127.0.0.1'), false);
      throw failure;
    }),
    failure,
  );
  assert.deepEqual(closed, ['database']);
  assert.equal(await isFree(port, '127.0.0.1'), true);
});

test('boundAddress gives the bound port, loopback for a wildcard host and brackets for IPv6', () => {
  const listening = { addresses: () => [{ address: '::', family: 'IPv6', port: 43_210 }] };
  assert.deepEqual(boundAddress(listening, '127.0.0.1'), { url: 'http://127.0.0.1:43210', port: 43_210 });
  assert.equal(boundAddress(listening, '0.0.0.0').url, 'http://127.0.0.1:43210');
  assert.equal(boundAddress(listening, '::').url, 'http://127.0.0.1:43210');
  assert.equal(boundAddress(listening, '::1').url, 'http://[::1]:43210');
  assert.throws(() => boundAddress({ addresses: () => [] }, '127.0.0.1'), /not listening/);
});
