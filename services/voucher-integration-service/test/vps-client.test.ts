import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { VpsClient } from '../src/vps/vps-client.ts';
import { FakeVps } from './helpers/fake-vps.ts';
import { phoneNumber } from './helpers/harness.ts';

describe('the VPS client reading answers', () => {
  const vps = new FakeVps();
  let client: VpsClient;
  before(async () => {
    await vps.start();
    client = new VpsClient({ vpsUrl: vps.url, maxConnections: 1, timeoutMs: 5_000 });
  });
  after(async () => {
    await client.close();
    await vps.close();
  });

  const call = (requestId: string) => client.requestVoucher({ requestId, phoneNumber, callbackUrl: 'http://127.0.0.1:1/callback' });

  it('reads a code the VPS answers at once', async () => {
    const requestId = randomUUID();
    vps.script(requestId, () => ({ status: 200, body: { status: 'SUCCESS', voucherCode: 'VC-READ-1' } }));
    assert.deepEqual(await call(requestId), { kind: 'code', status: 'SUCCESS', voucherCode: 'VC-READ-1' });
  });

  it('does not read an answer larger than the contract allows: outside the contract, and the next call is answered', async () => {
    const oversized = randomUUID();
    // A valid code with 20 KB of padding: read whole, it would pass for an answer.
    vps.script(oversized, () => ({ status: 200, body: { status: 'SUCCESS', voucherCode: 'VC-BIG-1', padding: 'x'.repeat(20_000) } }));
    assert.deepEqual(await call(oversized), { kind: 'error', outcome: 'invalid', reason: 'VPS answered more than 16384 bytes' });

    const next = randomUUID();
    vps.script(next, () => ({ status: 200, body: { status: 'SUCCESS', voucherCode: 'VC-NEXT-1' } }));
    assert.deepEqual(await call(next), { kind: 'code', status: 'SUCCESS', voucherCode: 'VC-NEXT-1' });
  });
});
