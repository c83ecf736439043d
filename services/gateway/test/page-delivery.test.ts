import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Database } from '@voucher/platform/database';
import { lifeCycle } from '../src/delivery/life-cycle.ts';
import { createPageDelivery } from '../src/delivery/page-delivery.ts';
import { StreamRegistry } from '../src/delivery/stream-registry.ts';
import type { GatewayMetrics } from '../src/metrics.ts';
import { codeMessage } from './support/kafka-helpers.ts';
import { openTestDatabase, randomPhone, testConfig, toE164, waitFor } from './support/gateway-harness.ts';

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

/** A page's stream as the registry sees it: open until ended, keeping what was written. */
function fakePage() {
  const page = { written: '', destroyed: false, writableEnded: false };
  return Object.assign(page, {
    write: (text: string) => void (page.written += text),
    end: (text = '') => void ((page.written += text), (page.writableEnded = true)),
  }) as unknown as typeof page & ServerResponse;
}

/** Page delivery over `db` and `registry`, with the channel of each delivery it counts. */
function pageDelivery(db: Database, registry: StreamRegistry) {
  const delivered: string[] = [];
  const metrics = { delivered: (channel: string) => void delivered.push(channel) } as unknown as GatewayMetrics;
  return { offerToPages: createPageDelivery({ db, registry, metrics }), delivered };
}

test('outcomes announced together reach each waiting page, its own code once, in one statement', async () => {
  const db = await openTestDatabase(testConfig());
  const registry = new StreamRegistry(60_000);
  try {
    const requests = Array.from({ length: 5 }, () => ({ requestId: randomUUID(), phoneNumber: toE164(randomPhone()) }));
    await lifeCycle.insert(
      db,
      requests.map((request) => ({ ...request, deadline: new Date(Date.now() + 60_000) })),
    );
    const messages = requests.map((request) => codeMessage(request.requestId, request.phoneNumber));
    await lifeCycle.recordOutcomes(db, messages, 60_000);
    const pages = requests.map((request) => {
      const page = fakePage();
      registry.add(request.requestId, page);
      return page;
    });
    let statements = 0;
    const counted = { ...db, query: ((sql: string, params?: unknown[]) => (statements++, db.query(sql, params))) as typeof db.query };
    const { offerToPages, delivered } = pageDelivery(counted, registry);

    // As one notification names them: offered in the same tick.
    await Promise.all(requests.map((request) => offerToPages(request.requestId)));

    pages.forEach((page, index) => {
      assert.match(page.written, /^event: voucher$/m, 'the page got its code');
      assert.ok(page.written.includes(messages[index]!.voucherCode!), 'its own code');
      assert.ok(page.writableEnded, 'and its stream ended');
    });
    assert.deepEqual(delivered, ['WEB', 'WEB', 'WEB', 'WEB', 'WEB'], 'each outcome claimed once');
    assert.equal(statements, 1, 'the claim of those ready, with a look at the rest, is one statement');
    for (const request of requests) assert.equal((await lifeCycle.find(db, request.requestId))?.state, 'DELIVERED');
  } finally {
    registry.closeAll();
    await db.close();
  }
});

test('pages offered together are each told where their request stands: ended ones how, unfinished ones nothing yet', async () => {
  const db = await openTestDatabase(testConfig());
  const registry = new StreamRegistry(60_000);
  try {
    const [ready, texted, waiting] = Array.from({ length: 3 }, () => ({ requestId: randomUUID(), phoneNumber: toE164(randomPhone()) }));
    await lifeCycle.insert(
      db,
      [ready!, texted!, waiting!].map((request) => ({ ...request, deadline: new Date(Date.now() + 60_000) })),
    );
    const code = codeMessage(ready!.requestId, ready!.phoneNumber);
    await lifeCycle.recordOutcomes(db, [code], 60_000);
    await db.query(`UPDATE voucher_requests SET state = 'SENT_BY_SMS' WHERE request_id = $1`, [texted!.requestId]);
    const pages = [ready, texted, waiting].map((request) => {
      const page = fakePage();
      registry.add(request!.requestId, page);
      return page;
    });
    const { offerToPages, delivered } = pageDelivery(db, registry);

    await Promise.all([ready, texted, waiting].map((request) => offerToPages(request!.requestId)));

    assert.match(pages[0]!.written, /^event: voucher$/m);
    assert.ok(pages[0]!.written.includes(code.voucherCode!), 'the ready one got its code');
    assert.match(pages[1]!.written, /^event: sms$/m, 'the texted one is told it went by SMS');
    assert.ok(pages[1]!.writableEnded);
    assert.equal(pages[2]!.written, '', 'the unfinished one is told nothing yet');
    assert.ok(!pages[2]!.writableEnded, 'and keeps waiting');
    assert.ok(registry.has(waiting!.requestId));
    assert.deepEqual(delivered, ['WEB'], 'only the claim counts as a delivery');
    assert.equal((await lifeCycle.find(db, waiting!.requestId))?.state, 'PROCESSING');
  } finally {
    registry.closeAll();
    await db.close();
  }
});

test('a page whose outcome another replica claims while its own claim waits is told how it ended, and not counted twice', async () => {
  const db = await openTestDatabase(testConfig());
  const registry = new StreamRegistry(60_000);
  try {
    const requestId = randomUUID();
    const phoneNumber = toE164(randomPhone());
    await lifeCycle.insert(db, [{ requestId, phoneNumber, deadline: new Date(Date.now() + 60_000) }]);
    const code = codeMessage(requestId, phoneNumber);
    await lifeCycle.recordOutcomes(db, [code], 60_000);
    const page = fakePage();
    registry.add(requestId, page);
    const { offerToPages, delivered } = pageDelivery(db, registry);

    // The other replica's claim holds the row while this one's statement begins (it saw WEB_READY), then commits.
    let offered!: Promise<void>;
    await db.transaction(async (otherReplica) => {
      await otherReplica.query(`UPDATE voucher_requests SET state = 'DELIVERED', told_at = now() WHERE request_id = $1`, [requestId]);
      offered = offerToPages(requestId);
      await waitFor(
        async () =>
          (
            await db.query(
              `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%UPDATE voucher_requests%'`,
            )
          ).length > 0,
        "this replica's claim waiting for the row",
      );
    });
    await offered;

    assert.match(page.written, /^event: voucher$/m, 'told its code was delivered');
    assert.ok(page.written.includes(code.voucherCode!));
    assert.ok(page.writableEnded);
    assert.deepEqual(delivered, [], 'the other replica counted the delivery');
    assert.equal((await lifeCycle.find(db, requestId))?.state, 'DELIVERED');
  } finally {
    registry.closeAll();
    await db.close();
  }
});
