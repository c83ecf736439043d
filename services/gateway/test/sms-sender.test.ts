import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { hasCode, isRetryable } from '@voucher/platform/errors';
import { createLogger } from '@voucher/platform/logging';
import { readConfig as readSmsConfig } from '../../sms/src/config.ts';
import { startSms, type SmsService } from '../../sms/src/service.ts';
import { GatewayErrors } from '../src/errors.ts';
import { HttpSmsSender } from '../src/sms/http-sms-sender.ts';

/**
 * The SMS adapter against the real SMS simulator: what its refusals and outages mean to the gateway's callers (the
 * delivery worker and sign-in), said by the error's code and `retryable` flag.
 */
let sms: SmsService;
let sender: HttpSmsSender;

before(async () => {
  // The simulator's first send fails with 503, as an SMS gateway that is briefly down would.
  const config = readSmsConfig({ SMS_PORT: '0', SMS_ADMIN_TOKEN: 'test-sms-admin-token-0123456789', SMS_FAIL_NEXT: '1' });
  sms = await startSms(config, createLogger('sms', 'silent'));
  sender = new HttpSmsSender(sms.url, 5_000);
});
after(async () => {
  await sender.close();
  await sms.close();
});

test('an SMS the gateway refuses (400: not a mobile number) is GATEWAY_SMS_REFUSED, which no retry fixes', async () => {
  await assert.rejects(sender.send('12', 'Your code is 123456.', randomUUID()), (error: unknown) => {
    assert.ok(hasCode(error, GatewayErrors.SMS_REFUSED), String(error));
    assert.equal(isRetryable(error), false);
    assert.match(error.message, /refused the message \(400\)/);
    return true;
  });
});

test('the SMS gateway unavailable (503) is GATEWAY_SMS_UNAVAILABLE, retryable: the same send then goes out', async () => {
  const key = randomUUID();
  await assert.rejects(sender.send('+84909123456', 'Your code is 123456.', key), (error: unknown) => {
    assert.ok(hasCode(error, GatewayErrors.SMS_UNAVAILABLE), String(error));
    assert.equal(isRetryable(error), true);
    return true;
  });
  await sender.send('+84909123456', 'Your code is 123456.', key);
});
