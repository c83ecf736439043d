import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { normalizePhoneNumber } from '@voucher/contracts';
import { problem } from '@voucher/platform/http';
import type { SmsFaults } from '../faults.ts';
import type { MessageStore, SmsMessage } from '../message-store.ts';

export interface SendRouteOptions {
  store: MessageStore;
  faults: SmsFaults;
  defaultRegion: string;
  /** Counts every message recorded. */
  onSent: () => void;
}

const SendBody = Type.Object({
  to: Type.String({ minLength: 1, maxLength: 32 }),
  text: Type.String({ minLength: 1, maxLength: 1600 }),
});

const SendHeaders = Type.Object({
  'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
});

const asSent = ({ id, to, text, sentAt }: SmsMessage) => ({ id, to, text, sentAt });

/** `POST /api/sms`: records one message; an Idempotency-Key makes a retry return the first message. */
export const sendRoutes: FastifyPluginAsyncTypebox<SendRouteOptions> = async (app, { store, faults, defaultRegion, onSent }) => {
  app.post('/api/sms', { schema: { body: SendBody, headers: SendHeaders } }, async (request, reply) => {
    const recipient = normalizePhoneNumber(request.body.to, defaultRegion);
    if (!recipient.ok) throw problem.badRequest(`to is not a valid mobile number: ${recipient.reason}.`);
    if (faults.nextSendFails()) throw problem.unavailable('Injected fault: the SMS gateway is unavailable.', 1);

    const key = request.headers['idempotency-key'];
    const first = key === undefined ? undefined : store.findByIdempotencyKey(key);
    if (first) {
      // A key names one message: reusing it for another text or recipient is a caller bug, never a second SMS.
      if (first.to !== recipient.e164 || first.text !== request.body.text) {
        throw problem.conflict('This Idempotency-Key was already used for a different message.');
      }
      return reply.code(201).header('idempotent-replayed', 'true').send(asSent(first));
    }
    const message = store.add(recipient.e164, request.body.text, key);
    onSent();
    request.log.info({ to: message.to, id: message.id }, 'sms sent');
    return reply.code(201).send(asSent(message));
  });
};
