import { inTimeOrder, type SupportPart, type SupportPartStatus, type SupportTimeline } from '@voucher/contracts';
import type { Queryable } from '@voucher/platform/database';
import { problem } from '@voucher/platform/http';
import { gatewayPart } from './gateway-part.ts';
import { fetchPart, type FetchedPart, type PartSource } from './service-parts.ts';

export interface TimelineDeps {
  db: Queryable;
  /** The other bank services whose parts are asked for. */
  sources: PartSource[];
  staffToken: string;
  timeoutMs: number;
}

const statusOf = (fetched: FetchedPart): SupportPartStatus => {
  if (!('part' in fetched)) return fetched;
  const { service, state, facts } = fetched.part;
  return { service, status: 'found', state, facts };
};

/**
 * One request's timeline across the services: the gateway's own record and every other service's answer about its
 * own, asked at once; the steps of all in time order. A service that cannot answer is shown as unavailable. A request
 * no service knows is a 404 problem.
 */
export async function requestTimeline(deps: TimelineDeps, requestId: string): Promise<SupportTimeline> {
  const [own, ...others] = await Promise.all([
    gatewayPart(deps.db, requestId),
    ...deps.sources.map((source) => fetchPart(source, requestId, deps.staffToken, deps.timeoutMs)),
  ]);
  const fetched: FetchedPart[] = [own ? { status: 'found', part: own } : { service: 'gateway', status: 'not-found' }, ...others];
  const found = fetched.flatMap((part): SupportPart[] => ('part' in part ? [part.part] : []));
  if (found.length === 0) {
    const unasked = fetched.filter((part) => part.status === 'unavailable').map((part) => ('service' in part ? part.service : ''));
    const caveat = unasked.length > 0 ? ` (${unasked.join(' and ')} could not be asked)` : '';
    throw problem.notFound(`No service knows request ${requestId}${caveat}.`);
  }
  return { requestId, steps: inTimeOrder(found.flatMap((part) => part.steps)), parts: fetched.map(statusOf) };
}
