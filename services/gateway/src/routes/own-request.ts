import type { FastifyRequest } from 'fastify';
import type { Database } from '@voucher/platform/database';
import { problem } from '@voucher/platform/http';
import type { CustomerAuth } from '../auth/customer-auth.ts';
import { lifeCycle, type DeliveryRow } from '../delivery/life-cycle.ts';

/** What a route needs to find the caller's own request. */
export interface OwnRequestOptions {
  db: Database;
  auth: CustomerAuth;
}

/** Finds the caller's own request: 404 when unknown, 403 when it is another customer's. */
export async function findOwnRequest(request: FastifyRequest, requestId: string, { db, auth }: OwnRequestOptions): Promise<DeliveryRow> {
  const found = await lifeCycle.find(db, requestId);
  if (!found) throw problem.notFound(`No voucher request ${requestId}.`);
  if (!auth.mayActFor(request, found.phoneNumber)) throw problem.forbidden('This voucher request belongs to another customer.');
  return found;
}
