import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createPageDelivery } from '../src/delivery/page-delivery.ts';
import type { ReadySignal } from '../src/delivery/ready-signal.ts';
import type { StreamRegistry } from '../src/delivery/stream-registry.ts';
import type { GatewayMetrics } from '../src/metrics.ts';
import { requestStore } from '../src/requests/request-store.ts';
import { openTestDatabase, randomPhone, testConfig, toE164 } from './support/gateway-harness.ts';

test('a code claimed for a page that closed in the meantime is given back and sent by SMS', async () => {
  const db = await openTestDatabase(testConfig());
  try {
    const requestId = randomUUID();
    await requestStore.insert(db, { requestId, phoneNumber: toE164(randomPhone()), deadline: new Date(Date.now() + 60_000) });
    await db.query(
      `UPDATE voucher_requests SET state = 'CODE_READY', channel = 'WEB', voucher_code = 'VC-1', status = 'SUCCESS' WHERE request_id = $1`,
      [requestId],
    );
    const smsSent: string[] = [];
    // The page was there when the offer began and gone by the time the event was to be written.
    const vanishingPage = { has: () => true, take: () => [] } as unknown as StreamRegistry;
    const offerToPages = createPageDelivery({
      db,
      registry: vanishingPage,
      metrics: { delivered: () => {} } as unknown as GatewayMetrics,
      signal: { notify: async () => {} } as unknown as ReadySignal,
      sendBySms: async (id) => void smsSent.push(id),
    });
    await offerToPages(requestId);
    assert.deepEqual(smsSent, [requestId]);
    const request = await requestStore.find(db, requestId);
    assert.equal(request?.state, 'CODE_READY', 'not marked delivered: the SMS fallback may take it');
    assert.equal(request?.notifiedVia, null);
  } finally {
    await db.close();
  }
});
