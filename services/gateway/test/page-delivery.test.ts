import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { lifeCycle } from '../src/delivery/life-cycle.ts';
import { createPageDelivery } from '../src/delivery/page-delivery.ts';
import type { StreamRegistry } from '../src/delivery/stream-registry.ts';
import type { GatewayMetrics } from '../src/metrics.ts';
import { codeMessage } from './support/kafka-helpers.ts';
import { openTestDatabase, randomPhone, testConfig, toE164 } from './support/gateway-harness.ts';

test('a code claimed for a page that closed in the meantime is given back and goes by SMS', async () => {
  const db = await openTestDatabase(testConfig());
  try {
    const requestId = randomUUID();
    const phoneNumber = toE164(randomPhone());
    await lifeCycle.insert(db, [{ requestId, phoneNumber, deadline: new Date(Date.now() + 60_000) }]);
    const moved = await lifeCycle.recordOutcomes(db, [codeMessage(requestId, phoneNumber)], 60_000);
    assert.equal(moved.get(requestId), 'WEB_READY');
    // The page was there when the offer began and gone by the time the event was to be written.
    const vanishingPage = { has: () => true, take: () => [] } as unknown as StreamRegistry;
    const offerToPages = createPageDelivery({ db, registry: vanishingPage, metrics: { delivered: () => {} } as unknown as GatewayMetrics });
    await offerToPages(requestId);
    const request = await lifeCycle.find(db, requestId);
    assert.equal(request?.state, 'SMS_PENDING', 'not delivered: the SMS takes it');
    assert.ok(request?.voucherCode, 'the code is kept for the SMS');
  } finally {
    await db.close();
  }
});
