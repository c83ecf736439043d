import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { SmsFaults } from '../faults.ts';

const FaultsBody = Type.Object(
  {
    failNext: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
    errorRate: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  },
  { additionalProperties: false, minProperties: 1 },
);

/** `GET|PUT /admin/faults`: make sends fail with 503, to test the callers' retries. Omitted fields keep their values. */
export const adminRoutes: FastifyPluginAsyncTypebox<{ faults: SmsFaults }> = async (app, { faults }) => {
  app.get('/admin/faults', async () => faults.settings);
  app.put('/admin/faults', { schema: { body: FaultsBody } }, async (request) => {
    const settings = faults.update(request.body);
    request.log.info({ faults: settings }, 'faults changed');
    return settings;
  });
};
