import type { FastifyRequest } from 'fastify';
import { problem } from '@voucher/platform/http';

/** The signed-in customer a request acts for. */
export interface Customer {
  phoneNumber: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by requireCustomer when sign-in is required; undefined on an open (demo) gateway. */
    customer?: Customer;
  }
}

/**
 * The one seam between the voucher routes and sign-in. `requireCustomer` is the routes' preHandler: it establishes
 * who is calling (for now nobody can sign in, so with AUTH_REQUIRED every call is refused); `mayActFor` then lets a
 * route serve only the caller's own phone number. Bearer tokens replace the inside of `requireCustomer` only.
 */
export function createCustomerAuth(options: { required: boolean }) {
  return {
    async requireCustomer(_request: FastifyRequest): Promise<void> {
      if (!options.required) return;
      throw problem.unauthorized('sign-in is required');
    },

    mayActFor(request: FastifyRequest, phoneNumber: string): boolean {
      if (!options.required) return true;
      return request.customer?.phoneNumber === phoneNumber;
    },
  };
}

export type CustomerAuth = ReturnType<typeof createCustomerAuth>;
