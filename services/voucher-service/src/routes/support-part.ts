import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { maskVoucherCode, SupportParams, SupportPart } from '@voucher/contracts';
import { problem, registerStaffRoutes } from '@voucher/platform/http';
import { maskPhoneNumber, type Logger } from '@voucher/platform/logging';
import type { VoucherStore } from '../store/voucher-store.ts';

export interface SupportPartDeps {
  store: VoucherStore;
  logger: Logger;
  /** Unset: the support view is off (its route answers 404). */
  staffToken?: string;
}

/**
 * `GET /admin/requests/{requestId}` on the operations port: this service's own record of one request (staff token):
 * when its outcome was stored, with the code's last characters only.
 */
export const supportPart: FastifyPluginAsyncTypebox<SupportPartDeps> = async (http, deps) => {
  await registerStaffRoutes(http, deps.staffToken, deps.logger, (admin) => {
    admin.get('/admin/requests/:requestId', { schema: { params: SupportParams, response: { 200: SupportPart } } }, async (request) => {
      const { requestId } = request.params as { requestId: string };
      const stored = await deps.store.find(requestId);
      if (!stored) throw problem.notFound(`No outcome of request ${requestId} is stored here (not received yet, or unknown).`);
      const code = stored.voucherCode ? `, code ${maskVoucherCode(stored.voucherCode)}` : '';
      const part: SupportPart = {
        service: 'voucher-service',
        requestId,
        state: stored.status,
        steps: [
          { step: 'stored', at: stored.storedAt, service: 'voucher-service', detail: `${stored.status} for ${stored.channel}${code}` },
        ],
        facts: { phoneNumber: maskPhoneNumber(stored.phoneNumber), issuedAt: stored.issuedAt, channel: stored.channel },
      };
      return part;
    });
  });
};
