import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { waitFor } from '@voucher/platform/testing';
import { call, startStack, type Stack } from '../src/index.ts';
import { launchChromium, textOf } from '../src/browser.ts';

/**
 * The customer's web page in a real browser against the whole system: sign in with a code texted by the SMS
 * simulator, buy a voucher, see it live and in the list; and, when the VPS is slower than the web deadline, be told
 * the code comes by SMS and find it in the SMS inbox. The deadline is shrunk to 4 s.
 */
const DEADLINE_MS = 4_000;
const SCREENSHOT = '/tmp/voucher-page.png';
const PAGE_TIMEOUT_MS = 15_000;
const randomMobile = () => `090${String(randomInt(1_000_000, 9_999_999))}`;

interface StoredVoucher {
  voucherCode: string;
  status: string;
  channel: string;
}

describe('the customer web page, in a browser', () => {
  let stack: Stack;
  let browser: Browser;
  const smsTo = async (phoneNumber: string) =>
    (await call<Array<{ text: string }>>('GET', `${stack.urls.sms}/api/messages?phoneNumber=${phoneNumber}`)).body;
  const storedVoucher = (requestId: string) =>
    waitFor(async () => {
      const answer = await call<StoredVoucher>('GET', `${stack.urls.voucher}/api/vouchers/${requestId}`, undefined, {
        authorization: `Bearer ${stack.env.VOUCHER_SERVICE_TOKEN}`,
      });
      return answer.status === 200 ? answer.body : undefined;
    }, 'voucher-service to store the outcome');

  /** The one-time code from the newest SMS to `phoneNumber`, once one newer than `seen` messages has arrived. */
  const oneTimeCode = (phoneNumber: string, seen: number) =>
    waitFor(async () => {
      const inbox = await smsTo(phoneNumber);
      return inbox.length > seen ? /\b(\d{4,8})\b/.exec(inbox[0]!.text)?.[1] : undefined;
    }, 'the one-time code by SMS');

  /** A fresh page; anything the Content-Security-Policy blocked, or any script error, is collected in `problems`. */
  async function openPage() {
    const page = await browser.newPage({ viewport: { width: 1200, height: 820 } });
    page.setDefaultTimeout(PAGE_TIMEOUT_MS);
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => {
      if (message.text().includes('Content Security Policy')) problems.push(message.text());
    });
    return Object.assign(page, { problems });
  }

  async function signIn(page: Page, phoneNumber: string) {
    await page.goto(`${stack.urls.gateway}/`);
    await page.getByTestId('phone-input').fill(phoneNumber);
    const seen = (await smsTo(phoneNumber)).length;
    await page.getByTestId('send-code').click();
    const otp = await oneTimeCode(phoneNumber, seen);
    await page.getByTestId('otp-input').fill(otp);
    await page.getByTestId('sign-in').click();
    await page.getByTestId('buy').waitFor({ state: 'visible' });
  }

  before(async () => {
    browser = await launchChromium();
    stack = await startStack({
      AUTH_REQUIRED: 'true',
      AUTH_SECRET: 'browser-test-secret-0123456789-abcdefghij',
      VPS_ACK_AFTER_MS: '300',
      WEB_DEADLINE_MS: String(DEADLINE_MS),
      // A real browser on a shared machine can take a second after the 202 to open the stream; no test here waits on the
      // hand-off running out.
      WEB_HANDOFF_MS: '3000',
      VPS_TRAFFIC: 'low',
      VPS_LATENCY_MAX_MS: '100',
    });
  });
  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  test('sign in with the texted code, buy: the code appears live, then heads the list, and is the stored one', async () => {
    const page = await openPage();
    try {
      const phone = randomMobile();
      await signIn(page, phone);
      assert.equal(
        await page.evaluate('document.activeElement && document.activeElement.id'),
        'buy-title',
        'focus moves to the signed-in page',
      );
      assert.ok(!page.url().includes('token') && !page.url().includes('otp'), 'nothing secret in the URL');

      await page.getByTestId('buy').click();
      const code = await textOf(page.getByTestId('voucher-code'), (text) => text.length > 0, 'the code on the page');
      const requestId = await page.getByTestId('voucher-code').getAttribute('data-request-id');
      assert.ok(requestId, 'the page names the request');

      const firstRow = page.getByTestId('voucher-row').first();
      await textOf(firstRow, (text) => text.includes(code), 'the new code at the top of the list');
      assert.equal(await firstRow.getAttribute('data-request-id'), requestId);

      const stored = await storedVoucher(requestId);
      assert.equal(stored.voucherCode, code, 'the page shows exactly the code voucher-service stored');
      assert.equal(stored.channel, 'WEB');
      assert.deepEqual(
        (await smsTo(phone)).filter((message) => message.text.includes(code)),
        [],
        'a code shown on the web is not texted too',
      );
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      assert.deepEqual(page.problems, [], 'no script errors and nothing blocked by the CSP');

      await page.getByTestId('sign-out').click();
      await page.getByTestId('phone-input').waitFor({ state: 'visible' });
      assert.equal(await page.evaluate('sessionStorage.length'), 0, 'signing out forgets the token');
    } finally {
      await page.close();
    }
  });

  test('a VPS slower than the deadline: the page says the code comes by SMS, and the SMS inbox shows it', async () => {
    await call('PUT', `${stack.urls.vps}/admin/traffic`, { latencyMs: 5_000 });
    const page = await openPage();
    try {
      const phone = randomMobile();
      await signIn(page, phone);
      await page.getByTestId('buy').click();
      await page.getByTestId('countdown').waitFor({ state: 'visible' });
      await textOf(page.getByTestId('status-message'), (text) => text.includes('by SMS'), 'word that the code comes by SMS');
      assert.equal(await page.getByTestId('voucher-code').isVisible(), false, 'no code on the page');
      const requestId = await page.getByTestId('status-message').getAttribute('data-request-id');
      assert.ok(requestId, 'the page names the request');
      const stored = await storedVoucher(requestId);
      assert.equal(stored.status, 'LATE_SUCCESS');
      assert.equal(stored.channel, 'SMS');

      await page.goto(`${stack.urls.sms}/`);
      await page.locator('#phone-number').fill(phone);
      await page.locator('#phone-number').press('Enter');
      await textOf(page.locator('#messages'), (text) => text.includes(stored.voucherCode), 'the code in the SMS inbox page');
    } finally {
      await page.close();
      await call('PUT', `${stack.urls.vps}/admin/traffic`, { profile: 'low' });
    }
  });

  test("by keyboard alone: a wrong code is refused with the bank's reason; the list pages with Load more", async () => {
    const page = await openPage();
    try {
      const phone = randomMobile();
      await page.goto(`${stack.urls.gateway}/`);
      await page.getByTestId('phone-input').fill(phone);
      const seen = (await smsTo(phone)).length;
      await page.getByTestId('phone-input').press('Enter');
      const otp = await oneTimeCode(phone, seen);
      const wrong = otp === '000000' ? '111111' : '000000';
      await page.getByTestId('otp-input').fill(wrong);
      await page.getByTestId('otp-input').press('Enter');
      await textOf(page.locator('#otp-error'), (text) => text.length > 0, 'the refusal');
      assert.equal(await page.getByTestId('buy').isVisible(), false, 'still signed out');
      await page.getByTestId('otp-input').fill(otp);
      await page.getByTestId('otp-input').press('Enter');
      await page.getByTestId('buy').waitFor({ state: 'visible' });

      // Eleven codes bought through the API with the page's own token, so the list needs a second page.
      const token = String(await page.evaluate('JSON.parse(Object.values(sessionStorage)[0]).accessToken'));
      const bought: string[] = [];
      for (let i = 0; i < 11; i += 1) {
        const answer = await call('POST', `${stack.urls.gateway}/voucher`, { phoneNumber: phone }, { authorization: `Bearer ${token}` });
        assert.equal(answer.status, 202, answer.text);
        bought.push(answer.body.requestId as string);
      }
      await Promise.all(bought.map(storedVoucher));
      await page.reload();
      await waitFor(async () => ((await page.getByTestId('voucher-row').count()) === 10 ? true : undefined), 'the first page of ten');
      await page.getByTestId('load-more').focus();
      await page.keyboard.press('Enter');
      await waitFor(async () => ((await page.getByTestId('voucher-row').count()) === 11 ? true : undefined), 'the eleventh code');
      await page.getByTestId('load-more').waitFor({ state: 'hidden' });
      const listed = await page.getByTestId('voucher-row').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-request-id')));
      assert.deepEqual(new Set(listed), new Set(bought), 'every code bought, once each');
      assert.deepEqual(page.problems, []);
    } finally {
      await page.close();
    }
  });
});
