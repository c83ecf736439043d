import { randomFillSync } from 'node:crypto';

/** 32 symbols without the look-alikes 0/O and 1/I, so that a customer can read a code aloud or type it. */
const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
const LENGTH = 16;
const GROUP = 4;

/**
 * Random bytes drawn 256 codes' worth at a time, as `crypto.randomUUID` caches its entropy: one call to the generator
 * per code cost the simulator more CPU than the rest of issuing it, taken from the bank's services on a shared machine.
 * Every byte is used once.
 */
const entropy = Buffer.alloc(LENGTH * 256);
let used = entropy.length;

function nextBytes(): Buffer {
  if (used === entropy.length) {
    randomFillSync(entropy);
    used = 0;
  }
  used += LENGTH;
  return entropy.subarray(used - LENGTH, used);
}

/**
 * A fresh voucher code such as `ABCD-EFGH-JKLM-NPQR`: 16 symbols of 5 random bits each (80 bits from the crypto
 * generator), so codes cannot be guessed and a repeat is practically impossible. 32 symbols divide 256 evenly, so
 * masking a byte introduces no bias.
 */
export function generateVoucherCode(): string {
  const bytes = nextBytes();
  let code = '';
  for (let index = 0; index < LENGTH; index++) {
    if (index > 0 && index % GROUP === 0) code += '-';
    code += ALPHABET[(bytes[index] as number) & 31];
  }
  return code;
}
