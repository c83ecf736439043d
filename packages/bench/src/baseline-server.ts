import Fastify from 'fastify';

/**
 * The `intake` baseline: a bare Fastify route answering the gateway's 202 JSON with nothing behind it (no validation,
 * broker or database), run as its own process like the gateway. Prints its port on stdout.
 */
const app = Fastify({ logger: false });
let sequence = 0;
app.post('/voucher', async (_request, reply) => {
  const requestId = `00000000-0000-4000-8000-${String(++sequence).padStart(12, '0')}`;
  return reply
    .code(202)
    .header('location', `/voucher/requests/${requestId}`)
    .send({ requestId, status: 'PROCESSING', message: 'Your request is being processed within 30 seconds' });
});
await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
console.log(typeof address === 'object' && address ? address.port : 0);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
