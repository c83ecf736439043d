import { randomInt, randomUUID } from 'node:crypto';
import type { ReceiveCodeMessage } from '@voucher/contracts';

/** A fresh Vietnamese mobile number in both forms; random so runs against a shared database never collide. */
export function randomPhone(): { e164: string; national: string } {
  const subscriber = String(randomInt(0, 10_000_000)).padStart(7, '0');
  return { e164: `+8490${subscriber}`, national: `090${subscriber}` };
}

export const randomCode = () => `VC-${randomUUID().replaceAll('-', '').slice(0, 16).toUpperCase()}`;

export function receiveCode(overrides: Partial<ReceiveCodeMessage> = {}): ReceiveCodeMessage {
  return {
    requestId: randomUUID(),
    phoneNumber: randomPhone().e164,
    status: 'SUCCESS',
    channel: 'WEB',
    voucherCode: randomCode(),
    message: 'Thank you for using our services, your voucher code is ready.',
    issuedAt: new Date().toISOString(),
    ...overrides,
  };
}

export function failedReceiveCode(overrides: Partial<ReceiveCodeMessage> = {}): ReceiveCodeMessage {
  const { voucherCode: _none, ...failed } = receiveCode({ status: 'FAILED', message: 'The voucher provider could not issue a code.' });
  return { ...failed, ...overrides };
}

export { waitFor } from '@voucher/platform/testing';
