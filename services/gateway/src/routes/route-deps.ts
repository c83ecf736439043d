import type { Database } from '@voucher/platform/database';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyBaseLogger, FastifyInstance, RawServerDefault } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CustomerAuth } from '../auth/customer-auth.ts';
import type { OfferToPages } from '../delivery/page-delivery.ts';
import type { StreamRegistry } from '../delivery/stream-registry.ts';
import type { VoucherServiceClient } from '../listing/voucher-service-client.ts';
import type { GatewayMetrics } from '../metrics.ts';
import type { AcceptRequest } from '../requests/accept-request.ts';

/** What the voucher routes need from the rest of the gateway. */
export interface VoucherRouteDeps {
  db: Database;
  auth: CustomerAuth;
  acceptRequest: AcceptRequest;
  offerToPages: OfferToPages;
  registry: StreamRegistry;
  metrics: GatewayMetrics;
  voucherService: VoucherServiceClient;
  streamTicketTtlMs: number;
  defaultRegion: string;
  /** The time, in epoch milliseconds, stream tickets are issued at (GatewayDeps.clock). */
  now: () => number;
}

/** The Fastify instance (or encapsulated scope) routes are added to. */
export type RouteScope = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, TypeBoxTypeProvider>;
