import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ConfigError } from '@voucher/platform/config';
import { readConfig } from '../src/config.ts';

/** The one setting without a default: where the service's database is. */
const database = { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/voucher' };

describe('configuration', () => {
  it('has the defaults of the spec, and a VPS timeout just beyond the acknowledgement mark', () => {
    const config = readConfig(database);
    assert.equal(config.INTEGRATION_PORT, 8082);
    assert.equal(config.VPS_URL, 'http://127.0.0.1:8081');
    assert.equal(config.INTEGRATION_PUBLIC_URL, 'http://127.0.0.1:8082');
    assert.equal(config.VPS_ACK_AFTER_MS, 3000);
    assert.equal(config.WEB_DEADLINE_MS, 30_000);
    assert.equal(config.VPS_REQUEST_TIMEOUT_MS, 5000);
    assert.equal(config.CONSUMER_CONCURRENCY, 4000);
    assert.equal(readConfig({ ...database, VPS_ACK_AFTER_MS: '100' }).VPS_REQUEST_TIMEOUT_MS, 2100);
    assert.equal(readConfig({ ...database, VPS_ACK_AFTER_MS: '100', VPS_REQUEST_TIMEOUT_MS: '250' }).VPS_REQUEST_TIMEOUT_MS, 250);
  });

  it('keeps a challenge waiting well beyond the VPS callback retry window, then asks again before failing', () => {
    const config = readConfig(database);
    const vpsCallbackRetryWindowMs = 10 * 60 * 1000; // the VPS contract's VPS_CALLBACK_RETRY_WINDOW_MS default
    assert.equal(config.CHALLENGE_TTL_MS, 15 * 60 * 1000);
    assert.ok(config.CHALLENGE_TTL_MS >= vpsCallbackRetryWindowMs + config.WEB_DEADLINE_MS + 60_000);
    assert.equal(config.CHALLENGE_REASKS, 2);
    assert.throws(() => readConfig({ ...database, CHALLENGE_REASKS: '-1' }), /CHALLENGE_REASKS/);
  });

  it('refuses to start with unusable settings, naming each of them', () => {
    assert.throws(
      () => readConfig({ VPS_MAX_ATTEMPTS: '0', VPS_URL: 'not a url', VPS_REQUEST_TIMEOUT_MS: 'soon' }),
      (error: ConfigError) =>
        error.problems.length === 4 && error.problems.some((problem) => problem.startsWith('DATABASE_URL is required')),
    );
  });
});
