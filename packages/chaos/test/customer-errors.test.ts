import { test } from 'node:test';
import assert from 'node:assert/strict';
import { customerErrors } from '../src/customer-errors.ts';
import type { FaultRecord } from '../src/faults.ts';
import type { Attempt, Purchase } from '../src/load.ts';

const purchase = (index: number, attempts: Attempt[]): Purchase => ({
  index,
  key: `key-${index}`,
  phoneNumber: '0909000000',
  e164: '+84909000000',
  withPage: false,
  attempts,
});

test('a gateway kill excuses only the attempts without an answer it cut: in flight, or sent on its connection right after', () => {
  const kill: FaultRecord = { name: 'SIGKILL gateway', target: 'gateway', startedAt: 10_000 };
  const inFlight = { startedAt: 9_900, endedAt: 10_050, status: 0, error: 'network(UND_ERR_SOCKET)' };
  const staleConnection = { startedAt: 10_400, endedAt: 10_410, status: 0, error: 'network(ECONNRESET)' };
  const later = { startedAt: 12_000, endedAt: 12_010, status: 0, error: 'network(ECONNRESET)' };
  const serverError = { startedAt: 9_950, endedAt: 10_100, status: 503 };
  const accepted = { startedAt: 10_200, endedAt: 10_250, status: 202 };
  const errors = customerErrors([purchase(0, [inFlight, staleConnection, accepted]), purchase(1, [serverError, later])], [kill]);
  assert.equal(errors.total, 4);
  assert.equal(errors.inFlightOnKilledGateway, 2);
  assert.deepEqual(errors.unexcused, [serverError, later], 'a 5xx is never excused, nor a reset long after the kill');
});
