import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { CustomerAuth } from '../src/auth/customer-auth.ts';
import { lifeCycle } from '../src/delivery/life-cycle.ts';
import { ownRequestFinder } from '../src/routes/own-request.ts';
import { openTestDatabase, randomPhone, testConfig, toE164 } from './support/gateway-harness.ts';

/** Signed in as `phoneNumber`: may act for that number only. */
const signedInAs = (phoneNumber: string) => ({ mayActFor: (_: FastifyRequest, number: string) => number === phoneNumber }) as CustomerAuth;
const caller = {} as FastifyRequest;

test("pages opening together find their own requests in one statement; another's is 403, an unknown one 404", async () => {
  const db = await openTestDatabase(testConfig());
  try {
    const phoneNumber = toE164(randomPhone());
    const mine = Array.from({ length: 4 }, () => ({ requestId: randomUUID(), phoneNumber }));
    const theirs = { requestId: randomUUID(), phoneNumber: toE164(randomPhone()) };
    await lifeCycle.insert(
      db,
      [...mine, theirs].map((request) => ({ ...request, deadline: new Date(Date.now() + 60_000) })),
    );
    let statements = 0;
    const counted = { ...db, query: ((sql: string, params?: unknown[]) => (statements++, db.query(sql, params))) as typeof db.query };
    const findOwnRequest = ownRequestFinder({ db: counted, auth: signedInAs(phoneNumber) });

    const settled = await Promise.allSettled(
      [...mine, theirs, { requestId: randomUUID() }].map((r) => findOwnRequest(caller, r.requestId)),
    );

    mine.forEach((request, index) => {
      const found = settled[index]!;
      assert.equal(found.status, 'fulfilled');
      assert.equal(found.status === 'fulfilled' && found.value.requestId, request.requestId, 'each page its own request');
    });
    const [other, unknown] = settled.slice(mine.length);
    assert.equal(other?.status === 'rejected' && (other.reason as { status: number }).status, 403);
    assert.equal(unknown?.status === 'rejected' && (unknown.reason as { status: number }).status, 404);
    assert.equal(statements, 1, 'the lookups in flight share one statement');
  } finally {
    await db.close();
  }
});
