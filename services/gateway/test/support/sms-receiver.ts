import { createServer, type Server } from 'node:http';

export interface ReceivedSms {
  to: string;
  text: string;
  idempotencyKey: string | undefined;
}

/**
 * A stand-in for the SMS simulator's contract (`POST /api/sms {"to","text"}` → 201). It records every call, with no
 * deduplication, so a test sees each send the gateway really made; it can be told to fail the next calls.
 */
export async function startSmsReceiver() {
  const received: ReceivedSms[] = [];
  let failuresLeft = 0;
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      if (request.method !== 'POST' || request.url !== '/api/sms') return void response.writeHead(404).end();
      if (failuresLeft > 0) {
        failuresLeft--;
        return void response.writeHead(503).end();
      }
      const { to, text } = JSON.parse(body) as { to: string; text: string };
      received.push({ to, text, idempotencyKey: request.headers['idempotency-key'] as string | undefined });
      response.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ to, text }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    to: (e164: string) => received.filter((sms) => sms.to === e164),
    failNext: (count: number) => void (failuresLeft = count),
    /** How many of the failures asked for by failNext are still to come. */
    get failuresLeft() {
      return failuresLeft;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
