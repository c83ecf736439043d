import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  normalizePhoneNumber,
  StoredVoucher,
  StoredVoucherParams,
  TextedVouchers,
  VoucherListQuery,
  VoucherPage,
} from '@voucher/contracts';
import { problem } from '@voucher/platform/http';
import type { CursorCodec } from '../listing/cursor.ts';
import { listVoucherPage } from '../listing/list-vouchers.ts';
import type { VoucherStore } from '../store/voucher-store.ts';
import { requireServiceToken } from './service-token.ts';

export interface VoucherRoutesOptions {
  store: VoucherStore;
  cursors: CursorCodec;
  defaultRegion: string;
  /** The bearer tokens a caller may present (VOUCHER_SERVICE_TOKEN, and its previous value during a rotation). */
  serviceTokens: readonly string[];
}

/**
 * The internal query API the gateway delegates to (steps 11-12 of the seed). It trusts its caller to have decided
 * whose codes a customer may see, and answers for the number it is given, so it answers only a caller with the
 * service token (the gateway): every route of this plugin wants it.
 */
export const voucherRoutes: FastifyPluginAsyncTypebox<VoucherRoutesOptions> = async (
  app,
  { store, cursors, defaultRegion, serviceTokens },
) => {
  app.addHook('onRequest', requireServiceToken(serviceTokens));
  app.get('/api/vouchers', { schema: { querystring: VoucherListQuery, response: { 200: VoucherPage } } }, async (request) => {
    const phone = normalizePhoneNumber(request.query.phoneNumber, defaultRegion);
    if (!phone.ok) throw problem.badRequest(phone.reason);
    const result = await listVoucherPage(store, cursors, { ...request.query, phoneNumber: phone.e164 });
    if (!result.ok) throw problem.badRequest(result.reason);
    return result.page;
  });

  // The gateway's report of the codes it texted (DECISIONS.md, "The listing's channel").
  app.post('/api/vouchers/texted', { schema: { body: TextedVouchers } }, async (request, reply) => {
    await store.markTexted(request.body.texted);
    return reply.code(204).send();
  });

  app.get('/api/vouchers/:requestId', { schema: { params: StoredVoucherParams, response: { 200: StoredVoucher } } }, async (request) => {
    const voucher = await store.find(request.params.requestId);
    if (!voucher) throw problem.notFound(`No voucher outcome is stored for request ${request.params.requestId}.`);
    return voucher;
  });
};
