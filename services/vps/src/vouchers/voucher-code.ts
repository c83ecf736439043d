import { randomBytes } from 'node:crypto';

/** 32 symbols without the look-alikes 0/O and 1/I, so that a customer can read a code aloud or type it. */
const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
const LENGTH = 16;
const GROUP = 4;

/**
 * A fresh voucher code such as `ABCD-EFGH-JKLM-NPQR`: 16 symbols of 5 random bits each (80 bits from the crypto
 * generator), so codes cannot be guessed and a repeat is practically impossible. 32 symbols divide 256 evenly, so
 * masking a byte introduces no bias.
 */
export function generateVoucherCode(): string {
  const bytes = randomBytes(LENGTH);
  let code = '';
  for (let index = 0; index < LENGTH; index++) {
    if (index > 0 && index % GROUP === 0) code += '-';
    code += ALPHABET[(bytes[index] as number) & 31];
  }
  return code;
}
