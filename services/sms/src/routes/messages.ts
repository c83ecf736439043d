import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { normalizePhoneNumber } from '@voucher/contracts';
import { problem } from '@voucher/platform/http';
import type { MessageStore } from '../message-store.ts';

export interface MessagesRouteOptions {
  store: MessageStore;
  defaultRegion: string;
}

const MessagesQuery = Type.Object({
  phoneNumber: Type.Optional(Type.String({ maxLength: 32 })),
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
});

/**
 * `GET /api/messages?phoneNumber=...`: what was sent to that number (national or E.164 form), newest first. Without
 * phoneNumber: the latest messages to any number, for the inbox page.
 */
export const messagesRoutes: FastifyPluginAsyncTypebox<MessagesRouteOptions> = async (app, { store, defaultRegion }) => {
  app.get('/api/messages', { schema: { querystring: MessagesQuery } }, async (request) => {
    const { phoneNumber, limit } = request.query;
    if (phoneNumber === undefined) return store.latest(limit).map(({ id, to, text, sentAt }) => ({ id, to, text, sentAt }));
    const recipient = normalizePhoneNumber(phoneNumber, defaultRegion);
    if (!recipient.ok) throw problem.badRequest(`${recipient.reason}.`);
    return store.sentTo(recipient.e164, limit).map(({ id, to, text, sentAt }) => ({ id, to, text, sentAt }));
  });
};
