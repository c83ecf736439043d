import type { FaultRecord } from './faults.ts';
import type { Attempt, Purchase } from './load.ts';

/** What the customers saw go wrong: answers of 500 and up, and attempts without any answer (status 0). */
export interface CustomerErrors {
  /** Every 5xx answer and every attempt without an answer. */
  total: number;
  /**
   * Attempts without an answer that were in flight when a gateway process was killed, or sent within a moment after
   * it on a keep-alive connection that process held (the client learns of the reset only when it writes): the only
   * errors a kill may cause.
   */
  inFlightOnKilledGateway: number;
  /** The others: each one a customer told "error" that a replica should have spared them. */
  unexcused: Attempt[];
}

/** How long after a gateway's kill a request may still go out on a connection the dead process held. */
const STALE_CONNECTION_MS = 1_000;

/**
 * A gateway process killed with requests in flight drops their connections, and a request sent on one of its
 * keep-alive connections right after the kill is reset; nothing else in a run of replicas may show a customer an
 * error: another replica takes new connections, another Kafka node leads.
 */
export function customerErrors(purchases: Purchase[], faults: FaultRecord[]): CustomerErrors {
  const gatewayKills = faults.filter((fault) => fault.target === 'gateway').map((fault) => fault.startedAt);
  const inFlightAtKill = (attempt: Attempt) =>
    gatewayKills.some((at) => attempt.startedAt <= at + STALE_CONNECTION_MS && attempt.endedAt >= at);
  const errors = purchases.flatMap((purchase) => purchase.attempts).filter((attempt) => attempt.status === 0 || attempt.status >= 500);
  const excused = errors.filter((attempt) => attempt.status === 0 && inFlightAtKill(attempt));
  return {
    total: errors.length,
    inFlightOnKilledGateway: excused.length,
    unexcused: errors.filter((attempt) => !excused.includes(attempt)),
  };
}
