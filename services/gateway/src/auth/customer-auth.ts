import type { FastifyRequest } from 'fastify';
import type { Database } from '@voucher/platform/database';
import { problem } from '@voucher/platform/http';
import type { VerifyToken } from './access-tokens.ts';
import { streamTickets } from './stream-tickets.ts';

/** The signed-in customer a request acts for. */
export interface Customer {
  phoneNumber: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the auth preHandlers when sign-in is required; undefined on an open (demo) gateway. */
    customer?: Customer;
  }
}

export interface CustomerAuthOptions {
  required: boolean;
  verifyToken: VerifyToken;
  db: Database;
  /** The regions (ISO 3166) whose numbers the gateway serves: any other number is refused, signed in or not. */
  allowedRegions: readonly string[];
  /** The time, in epoch milliseconds, that stream tickets expire by. */
  now?: () => number;
}

const bearerOf = (request: FastifyRequest) => /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];

/**
 * The one seam between the voucher routes and sign-in. `requireCustomer` (a bearer token) and `requireStreamViewer`
 * (a stream ticket, or a bearer token) are the routes' preHandlers: they establish who is calling; `mayActFor`
 * then lets a route serve only the caller's own phone number, and `servesRegion` only numbers of allowed regions.
 */
export function createCustomerAuth({ required, verifyToken, db, allowedRegions, now = Date.now }: CustomerAuthOptions) {
  // A request's token is verified once, whoever asks first (the rate limit at onRequest, or the route's preHandler).
  const verified = new WeakMap<FastifyRequest, Promise<string | undefined>>();
  function identify(request: FastifyRequest): Promise<string | undefined> {
    const token = required ? bearerOf(request) : undefined;
    if (!token) return Promise.resolve(undefined);
    let phoneNumber = verified.get(request);
    if (!phoneNumber) verified.set(request, (phoneNumber = verifyToken(token)));
    return phoneNumber;
  }

  async function signInFromBearer(request: FastifyRequest): Promise<void> {
    if (!bearerOf(request)) throw problem.unauthorized('sign-in is required');
    const phoneNumber = await identify(request);
    if (!phoneNumber) throw problem.unauthorized('The access token is not valid or has expired; sign in again.');
    request.customer = { phoneNumber };
  }

  return {
    /** The number of the request's valid bearer token, if it has one (sign-in required); nothing is refused here. */
    identify,

    async requireCustomer(request: FastifyRequest): Promise<void> {
      if (required) await signInFromBearer(request);
    },

    /** The events route: a one-use ticket in the query (browsers), or a bearer header (other clients). */
    async requireStreamViewer(request: FastifyRequest<{ Params: { requestId: string }; Querystring: { ticket?: string } }>): Promise<void> {
      if (!required) return;
      const ticket = request.query.ticket;
      if (ticket === undefined) return signInFromBearer(request);
      const phoneNumber = await streamTickets.redeem(db, ticket, request.params.requestId, now());
      if (!phoneNumber) throw problem.unauthorized('The stream ticket is not valid, was used already or has expired.');
      request.customer = { phoneNumber };
    },

    mayActFor(request: FastifyRequest, phoneNumber: string): boolean {
      if (!required) return true;
      return request.customer?.phoneNumber === phoneNumber;
    },

    servesRegion: (region: string): boolean => allowedRegions.includes(region),
    allowedRegions,

    /** The number a request acts for when it names none: the signed-in customer's. */
    callerNumber: (request: FastifyRequest): string | undefined => request.customer?.phoneNumber,
  };
}

export type CustomerAuth = ReturnType<typeof createCustomerAuth>;
