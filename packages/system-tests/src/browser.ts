import packagedChromium from '@sparticuz/chromium';
import { chromium, type Browser, type Locator } from 'playwright-core';
import { waitFor } from '@voucher/platform/testing';

/** The machine may have no network: nothing in the browser phones home, syncs or updates itself. */
const OFFLINE_ARGS = [
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
/**
 * Flags among @sparticuz/chromium's recommended ones (made for AWS Lambda) that do not suit these tests: two would
 * switch off the web security the page is tested under, and `--single-process` makes the browser exit when the first
 * page closes (every test opens a page of its own).
 */
const UNSUITED_ARGS = new Set(['--disable-web-security', '--allow-running-insecure-content', '--single-process']);

/**
 * Launches the headless Chromium that the npm package @sparticuz/chromium ships (unpacked on first use), with the
 * package's recommended flags; nothing installed on the machine is used. Fails, never skips, when it cannot start.
 */
export async function launchChromium(): Promise<Browser> {
  let executablePath: string | undefined;
  try {
    executablePath = await packagedChromium.executablePath();
    const args = [...packagedChromium.args.filter((arg) => !UNSUITED_ARGS.has(arg)), ...OFFLINE_ARGS];
    return await chromium.launch({ executablePath, args, headless: true });
  } catch (error) {
    const where = executablePath ? `it did not start from ${executablePath}` : 'it could not be unpacked';
    throw new Error(
      `the browser tests use the Chromium shipped in the npm package @sparticuz/chromium (a devDependency, installed by npm ci); ${where}: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

/** Waits until the element's text satisfies `accept`, and returns that text. */
export const textOf = (locator: Locator, accept: (text: string) => boolean, what: string) =>
  waitFor(async () => {
    const text = ((await locator.textContent()) ?? '').trim();
    return accept(text) ? text : undefined;
  }, what);
