import { Batcher } from '@voucher/platform/batching';
import type { Queryable } from '@voucher/platform/database';
import { lifeCycle } from '../delivery/life-cycle.ts';

/** The requestIds of a customer's codes that the gateway texted (SENT_BY_SMS). */
export type TextedRequests = (phoneNumber: string) => Promise<ReadonlySet<string>>;

/**
 * The listing's lookup of texted codes. Every listing asks it, so the listings in flight share one query (their numbers
 * in one `= ANY`): on two shared cores the round trip, not its rows, is what a listing pays for (DECISIONS.md, issue 14).
 * It runs beside voucher-service's answer, which takes longer, so waiting behind a query in flight seldom delays a listing.
 */
export function textedRequestsLookup(db: Queryable): TextedRequests {
  const none: ReadonlySet<string> = new Set();
  const lookups = new Batcher<string, ReadonlySet<string>>(async (phoneNumbers) => {
    const texted = await lifeCycle.textedRequests(db, [...new Set(phoneNumbers)]);
    return phoneNumbers.map((phoneNumber) => texted.get(phoneNumber) ?? none);
  });
  return (phoneNumber) => lookups.add(phoneNumber);
}
