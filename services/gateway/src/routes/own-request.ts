import type { FastifyRequest } from 'fastify';
import { Batcher } from '@voucher/platform/batching';
import type { Database } from '@voucher/platform/database';
import { problem } from '@voucher/platform/http';
import type { CustomerAuth } from '../auth/customer-auth.ts';
import { lifeCycle, type DeliveryRow } from '../delivery/life-cycle.ts';

/** What the finder of the caller's own request needs. */
export interface OwnRequestOptions {
  db: Database;
  auth: CustomerAuth;
}

/** Finds the caller's own request: 404 when unknown, 403 when it is another customer's. */
export type FindOwnRequest = (request: FastifyRequest, requestId: string) => Promise<DeliveryRow>;

/** What a route that acts on one of the caller's requests is handed: who is calling, and the finder. */
export interface OwnRequestRouteOptions {
  auth: CustomerAuth;
  findOwnRequest: FindOwnRequest;
}

/**
 * The finder of the caller's own request, one for every route that takes a requestId. Every page asks it as it opens
 * (and again as it polls), so the lookups in flight share one statement, as page offers do.
 */
export function ownRequestFinder({ db, auth }: OwnRequestOptions): FindOwnRequest {
  const lookups = new Batcher<string, DeliveryRow | undefined>(async (requestIds) => {
    const rows = new Map((await lifeCycle.findMany(db, [...new Set(requestIds)])).map((row) => [row.requestId, row]));
    return requestIds.map((requestId) => rows.get(requestId));
  });
  return async (request, requestId) => {
    const found = await lookups.add(requestId);
    if (!found) throw problem.notFound(`No voucher request ${requestId}.`);
    if (!auth.mayActFor(request, found.phoneNumber)) throw problem.forbidden('This voucher request belongs to another customer.');
    return found;
  };
}
