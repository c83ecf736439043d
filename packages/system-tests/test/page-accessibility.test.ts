import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { freePort, uniqueNamespace, waitFor } from '@voucher/platform/testing';
import { call, startExtraProcess, startStack, type Stack } from '../src/index.ts';
import { launchChromium, textOf } from '../src/browser.ts';

/**
 * The customer's page on a phone (390 × 844 CSS px) in a real browser against the whole system: every control is a
 * comfortable touch target, a voucher code never breaks across lines, a refused number marks its field invalid in
 * words that name no API field, the masked number looks the same on every step, and a gateway with sign-in switched
 * off says so instead of "Signed in as". The API reference at /docs renders under the same strict policy as the page.
 *
 * The stack runs on ports of its own (not the defaults), so this file does not collide with other system tests.
 */
const PHONE = { width: 390, height: 844 };
const MIN_TARGET_PX = 44;
const PAGE_TIMEOUT_MS = 15_000;
const SCREENSHOT = '/tmp/voucher-page-phone.png';
const randomMobile = () => `090${String(randomInt(1_000_000, 9_999_999))}`;
/** An API field name in customer text: a camelCase identifier, or one of the gateway's field names. */
const FIELD_NAME = /\b[a-z]+[A-Z]\w*\b|\b(otp|requestId|idempotency)\b/;

// Scripts that run in the page are strings: this project type-checks without the DOM library.

/** Every rendered control (the skip link too: it sits off-screen until focused) with its size in CSS px. */
const controlSizes = (page: Page) =>
  page.evaluate<Array<{ control: string; width: number; height: number }>>(`
    [...document.querySelectorAll('a[href], button, input, select, textarea, [tabindex]:not([tabindex="-1"])')]
      .filter((element) => element.getClientRects().length > 0)
      .map((element) => {
        const box = element.getBoundingClientRect();
        return { control: element.id || element.className, width: box.width, height: box.height };
      })`);

interface TextLayout {
  /** How many line boxes the element's text occupies. */
  lines: number;
  height: number;
  fontSize: number;
  /** Whether the whole text is visible without scrolling the element sideways. */
  fits: boolean;
  /** The page's own width: more than the viewport means it scrolls sideways. */
  pageWidth: number;
}

const layoutOf = (page: Page, selector: string) =>
  page.evaluate<TextLayout>(`(() => {
    const element = document.querySelector(${JSON.stringify(selector)});
    const range = document.createRange();
    range.selectNodeContents(element);
    return {
      lines: new Set([...range.getClientRects()].map((rect) => Math.round(rect.top))).size,
      height: element.getBoundingClientRect().height,
      fontSize: parseFloat(getComputedStyle(element).fontSize),
      fits: element.scrollWidth <= element.clientWidth,
      pageWidth: document.documentElement.scrollWidth,
    };
  })()`);

async function assertTouchTargets(page: Page, expected: string[]) {
  const sizes = await controlSizes(page);
  for (const control of expected)
    assert.ok(
      sizes.some((size) => size.control === control),
      `${control} is on the page`,
    );
  const small = sizes.filter((size) => size.width < MIN_TARGET_PX - 0.01 || size.height < MIN_TARGET_PX - 0.01);
  assert.deepEqual(small, [], `every control is at least ${MIN_TARGET_PX}×${MIN_TARGET_PX} CSS px`);
}

describe('the customer web page on a phone: touch targets, codes, errors and modes', () => {
  let stack: Stack;
  let openGateway: string;
  let browser: Browser;
  const smsTo = async (phoneNumber: string) =>
    (await call<Array<{ text: string }>>('GET', `${stack.urls.sms}/api/messages?phoneNumber=${phoneNumber}`)).body;
  const oneTimeCode = (phoneNumber: string, seen: number) =>
    waitFor(async () => {
      const inbox = await smsTo(phoneNumber);
      return inbox.length > seen ? /\b(\d{4,8})\b/.exec(inbox[0]!.text)?.[1] : undefined;
    }, 'the one-time code by SMS');

  /** A fresh phone-sized page; anything the Content-Security-Policy blocked, or any script error, lands in `problems`. */
  async function openPage(url: string) {
    const page = await browser.newPage({ viewport: PHONE, isMobile: true, hasTouch: true });
    page.setDefaultTimeout(PAGE_TIMEOUT_MS);
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => {
      if (message.text().includes('Content Security Policy')) problems.push(message.text());
    });
    await page.goto(url);
    return Object.assign(page, { problems });
  }

  before(async () => {
    browser = await launchChromium();
    const ports = { gateway: await freePort(), vps: await freePort(), integration: await freePort(), voucher: await freePort() };
    const sms = await freePort();
    stack = await startStack({
      GATEWAY_PORT: String(ports.gateway),
      VPS_PORT: String(ports.vps),
      INTEGRATION_PORT: String(ports.integration),
      VOUCHER_PORT: String(ports.voucher),
      SMS_PORT: String(sms),
      VPS_URL: `http://127.0.0.1:${ports.vps}`,
      INTEGRATION_PUBLIC_URL: `http://127.0.0.1:${ports.integration}`,
      VOUCHER_SERVICE_URL: `http://127.0.0.1:${ports.voucher}`,
      SMS_URL: `http://127.0.0.1:${sms}`,
      AUTH_REQUIRED: 'true',
      AUTH_SECRET: 'page-accessibility-secret-0123456789-abcdef',
      VPS_ACK_AFTER_MS: '300',
      WEB_DEADLINE_MS: '10000',
      // A real browser on a shared machine can take a second after the 202 to open the stream; no test here waits on the
      // hand-off running out.
      WEB_HANDOFF_MS: '3000',
      VPS_TRAFFIC: 'low',
      VPS_LATENCY_MAX_MS: '100',
    });
    // A second gateway with sign-in switched off, in its own Kafka namespace and data directory.
    const openPort = await freePort();
    await startExtraProcess(stack, 'gateway', {
      GATEWAY_PORT: String(openPort),
      AUTH_REQUIRED: 'false',
      AUTH_SECRET: '',
      KAFKA_NAMESPACE: uniqueNamespace(),
      DATA_DIR: mkdtempSync(join(tmpdir(), 'voucher-open-gateway-')),
      GATEWAY_REPLICA_ID: 'open-access',
    });
    openGateway = `http://127.0.0.1:${openPort}`;
  });
  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  test('a refused number marks its field aria-invalid, described by a message that names no API field', async () => {
    const page = await openPage(`${stack.urls.gateway}/`);
    try {
      const input = page.getByTestId('phone-input');
      await input.waitFor({ state: 'visible' });
      await assertTouchTargets(page, ['skip-link', 'phone-input', 'send-code']);

      await page.getByTestId('send-code').click();
      await textOf(page.locator('#phone-error'), (text) => text.length > 0, 'the empty-number message');
      assert.equal(await input.getAttribute('aria-invalid'), 'true', 'an empty number is invalid');

      await input.fill('12345');
      assert.equal(await input.getAttribute('aria-invalid'), null, 'editing the number clears the error');
      await page.getByTestId('send-code').click();
      const message = await textOf(
        page.locator('#phone-error'),
        (text) => text.length > 0 && text !== 'Enter your mobile number.',
        'the refusal',
      );
      assert.equal(await input.getAttribute('aria-invalid'), 'true');
      assert.ok((await input.getAttribute('aria-describedby'))?.split(' ').includes('phone-error'), 'the field is described by its error');
      assert.doesNotMatch(message, FIELD_NAME, `"${message}" names no API field`);
      assert.doesNotMatch(await page.locator('body').innerText(), /phoneNumber/);

      const phone = randomMobile();
      await input.fill(phone);
      const seen = (await smsTo(phone)).length;
      await page.getByTestId('send-code').click();
      const otp = await oneTimeCode(phone, seen);
      // The SMS goes out before the gateway answers, so the page shows the code step a moment after the SMS arrives.
      const otpInput = page.getByTestId('otp-input');
      await otpInput.waitFor({ state: 'visible' });
      await assertTouchTargets(page, ['otp-input', 'sign-in', 'resend-code', 'change-number']);
      await otpInput.fill(otp === '000000' ? '111111' : '000000');
      await page.getByTestId('sign-in').click();
      const refusal = await textOf(page.locator('#otp-error'), (text) => text.length > 0, 'the wrong-code refusal');
      assert.equal(await otpInput.getAttribute('aria-invalid'), 'true');
      assert.ok((await otpInput.getAttribute('aria-describedby'))?.split(' ').includes('otp-error'));
      assert.doesNotMatch(refusal, FIELD_NAME, `"${refusal}" names no API field`);
      assert.deepEqual(page.problems, []);
    } finally {
      await page.close();
    }
  });

  test('at 390 px every control is a 44 px target, the code stays on one line, and the number is masked one way', async () => {
    const page = await openPage(`${stack.urls.gateway}/`);
    try {
      const phone = randomMobile();
      await page.getByTestId('phone-input').fill(phone);
      const seen = (await smsTo(phone)).length;
      await page.getByTestId('send-code').click();
      const otp = await oneTimeCode(phone, seen);
      const sent = await textOf(page.locator('#otp-sent'), (text) => text.length > 0, 'where the code was sent');
      const masked = /(\S*\d{3})\./.exec(sent)?.[1];
      assert.ok(masked?.endsWith(phone.slice(-3)), `the masked number in "${sent}"`);
      await page.getByTestId('otp-input').fill(otp);
      await page.getByTestId('sign-in').click();
      await page.getByTestId('buy').waitFor({ state: 'visible' });
      assert.equal(await page.locator('#account-label').textContent(), 'Signed in as');
      // The list answers with the number as the bank knows it (E.164); the header shows it masked the same way.
      await waitFor(
        async () => ((await page.getByTestId('voucher-list').getAttribute('aria-busy')) === 'false' ? true : undefined),
        'the list',
      );
      assert.equal(await page.locator('#account-number').textContent(), masked, 'one masking on every step');

      await page.getByTestId('buy').click();
      const code = await textOf(page.getByTestId('voucher-code'), (text) => text.length > 0, 'the code on the page');
      await assertTouchTargets(page, ['skip-link', 'sign-out', 'buy', 'copy-code']);
      const layout = await layoutOf(page, '[data-testid="voucher-code"]');
      assert.equal(layout.lines, 1, `${code} is on one line`);
      assert.ok(layout.height < layout.fontSize * 2, `its box is one line high (${layout.height} px at ${layout.fontSize} px)`);
      assert.ok(layout.fits, `${code} fits the width of a phone without scrolling`);
      assert.ok(layout.pageWidth <= PHONE.width, 'the page itself does not scroll sideways');
      const row = page.getByTestId('voucher-row').first();
      await textOf(row, (text) => text.includes(code), 'the code in the list');
      assert.equal((await layoutOf(page, '[data-testid="voucher-row"] .row-code')).lines, 1, 'the listed code is on one line too');
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      assert.deepEqual(page.problems, [], 'no script errors and nothing blocked by the CSP');
    } finally {
      await page.close();
    }
  });

  test('with sign-in switched off the header says open access, not "Signed in as"', async () => {
    const page = await openPage(`${openGateway}/`);
    try {
      const phone = randomMobile();
      await page.getByTestId('phone-input').fill(phone);
      await page.getByTestId('send-code').click();
      await page.getByTestId('buy').waitFor({ state: 'visible' });
      const header = await page.locator('#account').innerText();
      assert.match(header, /Open access \(sign-in disabled\)/);
      assert.doesNotMatch(header, /Signed in/);
      assert.match(header, new RegExp(`${phone.slice(-3)}`), 'the number bought for, masked');
      await assertTouchTargets(page, ['sign-out', 'buy']);
      assert.deepEqual(page.problems, []);
    } finally {
      await page.close();
    }
  });

  test('the API reference at /docs renders its operations under the same strict policy', async () => {
    const page = await openPage(`${stack.urls.gateway}/docs`);
    try {
      await page.locator('.opblock').first().waitFor({ state: 'visible' });
      assert.ok((await page.locator('.opblock').count()) >= 5, 'the customer routes are listed');
      await page.locator('.opblock-summary-control').first().click();
      await page.locator('.opblock-body').first().waitFor({ state: 'visible' });
      assert.deepEqual(page.problems, [], 'nothing blocked by the Content-Security-Policy');
    } finally {
      await page.close();
    }
  });
});
