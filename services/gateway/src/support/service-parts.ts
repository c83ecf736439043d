import { request } from 'undici';
import { decodeSupportPart, type SupportPart, type SupportPartStatus, type SupportService } from '@voucher/contracts';
import { SUPPORT_VIEW_OFF } from '@voucher/platform/http';

export interface PartSource {
  service: Exclude<SupportService, 'gateway'>;
  /** The service's operations port (its `ADMIN_PORT`), e.g. http://127.0.0.1:9082. */
  adminUrl: string;
}

export type FetchedPart = { status: 'found'; part: SupportPart } | Omit<SupportPartStatus, 'state' | 'facts'>;

/**
 * Asks one service for its own record of a request (`GET /admin/requests/{id}` on its operations port, with the staff
 * token). Whatever goes wrong (the service is down, slow, answers an error or something that is not a part) is an
 * `unavailable` part with the reason, never a failure of the whole view.
 */
export async function fetchPart(source: PartSource, requestId: string, staffToken: string, timeoutMs: number): Promise<FetchedPart> {
  const unavailable = (detail: string): FetchedPart => ({ service: source.service, status: 'unavailable', detail });
  try {
    const response = await request(`${source.adminUrl}/admin/requests/${encodeURIComponent(requestId)}`, {
      headers: { authorization: `Bearer ${staffToken}`, accept: 'application/json' },
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = Buffer.from(await response.body.arrayBuffer());
    if (response.statusCode === 404 && body.toString('utf8').includes(SUPPORT_VIEW_OFF)) {
      return unavailable(`${source.service} has no STAFF_TOKEN: its support view is off`);
    }
    if (response.statusCode === 404) return { service: source.service, status: 'not-found' };
    if (response.statusCode !== 200) return unavailable(`${source.service} answered ${response.statusCode}`);
    const decoded = decodeSupportPart(body);
    if (!decoded.ok) return unavailable(`${source.service} answered something that is not its part: ${decoded.reason}`);
    return { status: 'found', part: decoded.value };
  } catch (error) {
    return unavailable(`${source.service} cannot be reached (${(error as Error).message})`);
  }
}
