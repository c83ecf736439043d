/** Keeps the last three digits of a phone number so support can still tell customers apart. */
export function maskPhoneNumber(value: unknown): string {
  const text = String(value ?? '');
  return text.length <= 3 ? '***' : `${'*'.repeat(Math.min(text.length - 3, 9))}${text.slice(-3)}`;
}

/** Fields that hold money (voucher codes), secrets (verifiers, tokens, OTPs) or personal data, wherever they appear. */
const secretKeys = ['voucherCode', 'codeVerifier', 'codeChallenge', 'otp', 'accessToken', 'token', 'authorization', 'cookie', 'password'];
const phoneKeys = ['phoneNumber', 'to'];

function atAnyDepth(keys: string[]): string[] {
  return keys.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]);
}

export const redactPaths = [...atAnyDepth(secretKeys), ...atAnyDepth(phoneKeys), 'req.headers.authorization', 'req.headers.cookie'];

export function censor(value: unknown, path: string[]): string {
  const key = path.at(-1) ?? '';
  return phoneKeys.includes(key) ? maskPhoneNumber(value) : '[redacted]';
}
