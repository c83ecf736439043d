import type { FaultRecord } from './faults.ts';
import type { Attempt, Purchase } from './load.ts';

/** What the customers saw go wrong: answers of 500 and up, and attempts without any answer (status 0). */
export interface CustomerErrors {
  /** Every 5xx answer and every attempt without an answer. */
  total: number;
  /** Attempts without an answer that were in flight when a gateway process was killed: the only errors a kill may cause. */
  inFlightOnKilledGateway: number;
  /** The others: each one a customer told "error" that a replica should have spared them. */
  unexcused: Attempt[];
}

/**
 * A gateway process killed with requests in flight drops their connections; nothing else in a run of replicas may
 * show a customer an error: another replica takes new connections, another Kafka node leads.
 */
export function customerErrors(purchases: Purchase[], faults: FaultRecord[]): CustomerErrors {
  const gatewayKills = faults.filter((fault) => fault.target === 'gateway').map((fault) => fault.startedAt);
  const inFlightAtKill = (attempt: Attempt) => gatewayKills.some((at) => attempt.startedAt <= at && attempt.endedAt >= at);
  const errors = purchases.flatMap((purchase) => purchase.attempts).filter((attempt) => attempt.status === 0 || attempt.status >= 500);
  const excused = errors.filter((attempt) => attempt.status === 0 && inFlightAtKill(attempt));
  return {
    total: errors.length,
    inFlightOnKilledGateway: excused.length,
    unexcused: errors.filter((attempt) => !excused.includes(attempt)),
  };
}
