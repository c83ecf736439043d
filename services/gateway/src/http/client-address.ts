import { normalizeIP } from '@fastify/rate-limit';

/**
 * The unit a per-address limit counts: an IPv4 address as it is, an IPv6 address by its /64. One IPv6 customer (a
 * home, a phone) is routinely handed a whole /64, so counting single IPv6 addresses would give each of them 2^64
 * allowances. An IPv4-mapped IPv6 address (`::ffff:1.2.3.4`) counts as the IPv4 address it is.
 */
export function addressKey(ip: string | undefined): string {
  // Node forgets the peer's address once the socket is gone: such a request answers nobody, but must not throw.
  if (!ip) return 'unknown';
  const normalized = normalizeIP(ip, 64);
  return normalized.includes(':') ? `${normalized}/64` : normalized;
}
