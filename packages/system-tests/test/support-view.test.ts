import assert from 'node:assert/strict';
import { randomInt, randomUUID } from 'node:crypto';
import { after, afterEach, before, describe, test } from 'node:test';
import type { SupportStepName, SupportTimeline } from '@voucher/contracts';
import { openPage, waitFor } from '@voucher/platform/testing';
import { call, startStack, type Stack } from '../src/index.ts';

/**
 * The support view answers "what happened to request X" from every service's own records, over the real stack: each
 * service a process of its own, the gateway asking the others on their operations ports with the staff token.
 */
const STAFF_TOKEN = 'system-test-staff-token-0123456789abcdefghij';
const staff = { authorization: `Bearer ${STAFF_TOKEN}` };
const adminPort = (variable: string, port: number) => Number(process.env[variable] ?? port) + 1000;
const randomMobile = () => `090${String(randomInt(1_000_000, 9_999_999))}`;

describe('support view: one request across the services', () => {
  let stack: Stack;
  const faults = (body: object) => call('PUT', `${stack.urls.vps}/admin/faults`, body);
  const view = (requestId: string, headers: Record<string, string> = staff) =>
    call<SupportTimeline & { detail?: string }>('GET', `${stack.adminUrls.gateway}/admin/requests/${requestId}`, undefined, headers);
  const buy = async (phoneNumber: string) => {
    const answer = await call('POST', `${stack.urls.gateway}/voucher?phoneNumber=${phoneNumber}`);
    assert.equal(answer.status, 202, answer.text);
    return answer.body.requestId as string;
  };
  /** The view once the customer has been told (`toldStep`) and voucher-service has stored the outcome. */
  const settledView = async (requestId: string, toldStep: SupportStepName) => {
    let last = '';
    return waitFor(async () => {
      const answer = await view(requestId);
      last = answer.text;
      const steps = answer.body.steps?.map((step) => step.step) ?? [];
      // outcome-published is written after the broker's acknowledgement, which the consumers need not wait for.
      const settled = [toldStep, 'stored', 'outcome-published'].every((step) => steps.includes(step as SupportStepName));
      return answer.status === 200 && settled ? answer : undefined;
    }, `the view of ${requestId} to show ${toldStep}, stored and outcome-published`).catch((error: Error) => {
      throw new Error(`${error.message}; it showed ${last}`);
    });
  };
  const names = (timeline: SupportTimeline) => timeline.steps.map((step) => step.step);
  /** `earlier` comes before `later` in the timeline (both present). */
  const assertOrder = (timeline: SupportTimeline, ...chain: SupportStepName[]) => {
    const order = names(timeline);
    for (const step of chain) assert.ok(order.includes(step), `${step} is missing from ${order.join(', ')}`);
    const positions = chain.map((step) => order.indexOf(step));
    assert.deepEqual(
      positions,
      [...positions].sort((a, b) => a - b),
      `expected ${chain.join(' < ')} in ${order.join(', ')}`,
    );
  };
  const partOf = (timeline: SupportTimeline, service: string) => timeline.parts.find((part) => part.service === service)!;

  before(async () => {
    stack = await startStack({
      AUTH_REQUIRED: 'false',
      STAFF_TOKEN,
      INTEGRATION_ADMIN_URL: `http://127.0.0.1:${adminPort('INTEGRATION_PORT', 8082)}`,
      VOUCHER_SERVICE_ADMIN_URL: `http://127.0.0.1:${adminPort('VOUCHER_PORT', 8083)}`,
      VPS_ACK_AFTER_MS: '300',
      WEB_DEADLINE_MS: '3000',
      WEB_HANDOFF_MS: '500',
      VPS_TRAFFIC: 'low',
      VPS_LATENCY_MAX_MS: '100',
      VPS_MAX_ATTEMPTS: '2',
      VPS_RETRY_BASE_MS: '50',
    });
  });
  after(async () => stack?.stop());
  afterEach(async () => void (await faults({ errorRate: 0, timeoutRate: 0, failNext: 0 })));

  test('a web request: accepted, published, answered at once, recorded, published, received, stored, delivered on the page', async () => {
    const phone = randomMobile();
    const requestId = await buy(phone);
    const page = openPage(`${stack.urls.gateway}/voucher/requests/${requestId}/events`);
    await page.ended;
    const code = page.events[0]?.data.voucherCode as string;
    assert.ok(code, 'the page got the code');
    const { body, text } = await settledView(requestId, 'delivered-web');
    assertOrder(body, 'accepted', 'consumed', 'vps-answered', 'outcome-recorded', 'outcome-published', 'outcome-received', 'delivered-web');
    assertOrder(body, 'accepted', 'published', 'consumed');
    assertOrder(body, 'outcome-published', 'stored');
    assert.ok(!names(body).includes('sent-by-sms'));
    assert.deepEqual(
      body.parts.map((part) => [part.service, part.status]),
      [
        ['gateway', 'found'],
        ['voucher-integration-service', 'found'],
        ['voucher-service', 'found'],
      ],
    );
    assert.equal(partOf(body, 'gateway').state, 'DELIVERED');
    assert.equal(partOf(body, 'gateway').facts?.phoneNumber, `*********${phone.slice(-3)}`, 'masked as in the logs');
    assert.ok(!text.includes(phone.slice(1)) && !text.includes(code), 'no full number, no full code');
    const stored = body.steps.find((step) => step.step === 'stored')!;
    assert.match(stored.detail ?? '', new RegExp(`SUCCESS for WEB, code …${code.slice(-4)}$`));
    for (const step of body.steps) assert.ok(Date.parse(step.at) > 0, `${step.step} has a time`);
  });

  test('an SMS request: no page, so the code is handed to SMS and texted (SENT_BY_SMS)', async () => {
    const requestId = await buy(randomMobile());
    const { body } = await settledView(requestId, 'sent-by-sms');
    assertOrder(body, 'accepted', 'consumed', 'vps-answered', 'outcome-recorded', 'outcome-published', 'outcome-received', 'sent-by-sms');
    assert.ok(!names(body).includes('delivered-web'));
    assert.equal(partOf(body, 'gateway').state, 'SENT_BY_SMS');
    assert.match(body.steps.find((step) => step.step === 'sent-by-sms')!.detail ?? '', /^by SMS/);
  });

  test('a failed request: the VPS fails every attempt; the view says so and why, and that the customer was told', async () => {
    await faults({ failNext: 1_000 });
    const requestId = await buy(randomMobile());
    const { body } = await settledView(requestId, 'failure-told');
    assertOrder(body, 'accepted', 'consumed', 'vps-failed', 'outcome-recorded', 'outcome-published', 'outcome-received', 'failure-told');
    assert.ok(!names(body).includes('vps-answered') && !names(body).includes('delivered-web'));
    assert.match(body.steps.find((step) => step.step === 'vps-failed')!.detail ?? '', /VPS answered 5\d\d \(after 2 attempts\)/);
    assert.equal(partOf(body, 'gateway').state, 'FAILED');
    assert.equal(partOf(body, 'voucher-service').state, 'FAILED');
  });

  test('the staff token: none is 401, another is 403, on the gateway and on each service it asks', async () => {
    const requestId = await buy(randomMobile());
    for (const adminUrl of [stack.adminUrls.gateway, stack.adminUrls.integration, stack.adminUrls.voucher]) {
      const url = `${adminUrl}/admin/requests/${requestId}`;
      assert.equal((await call('GET', url)).status, 401, url);
      const wrong = await call('GET', url, undefined, { authorization: `Bearer ${STAFF_TOKEN}-not` });
      assert.equal(wrong.status, 403, url);
      assert.equal(wrong.body.steps, undefined);
    }
    assert.equal((await call('GET', `${stack.urls.gateway}/admin/requests/${requestId}`, undefined, staff)).status, 404, 'not public');
  });

  test('an unknown requestId is a 404 problem; a malformed one a 400', async () => {
    const unknown = await view(randomUUID());
    assert.equal(unknown.status, 404);
    assert.match(unknown.headers.get('content-type') ?? '', /application\/problem\+json/);
    assert.match(unknown.body.detail ?? '', /No service knows request/);
    assert.equal((await view('not-a-request-id')).status, 400);
  });

  test('the staff page is served on the operations port under a strict CSP', async () => {
    const page = await fetch(`${stack.adminUrls.gateway}/admin/support`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    assert.match(await page.text(), /<script type="module" src="\/admin\/support\/support.js">/);
    assert.equal((await fetch(`${stack.adminUrls.gateway}/admin/support/support.js`)).status, 200);
  });

  // Last: it stops voucher-service for good.
  test('a service that is down shows its part as unavailable; the rest of the view still answers', async () => {
    const requestId = await buy(randomMobile());
    await settledView(requestId, 'sent-by-sms');
    const voucherService = stack.replicas.voucher[0]!.process;
    voucherService.child.kill('SIGKILL');
    await new Promise((resolve) => voucherService.child.once('exit', resolve));
    const { status, body } = await view(requestId);
    assert.equal(status, 200);
    const down = partOf(body, 'voucher-service');
    assert.equal(down.status, 'unavailable');
    assert.match(down.detail ?? '', /voucher-service cannot be reached/);
    assert.equal(partOf(body, 'gateway').status, 'found');
    assert.equal(partOf(body, 'voucher-integration-service').status, 'found');
    assert.ok(!names(body).includes('stored'), 'no step from the part that could not be asked');
    assertOrder(body, 'accepted', 'consumed', 'outcome-published', 'sent-by-sms');
  });
});
