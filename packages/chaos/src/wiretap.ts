import { Agent, createServer, request, type IncomingHttpHeaders } from 'node:http';

/** One request that went through a wiretap, and how it ended. */
export interface Exchange {
  at: number;
  method: string;
  path: string;
  requestBody: Buffer;
  /** The upstream's status, when it answered. */
  status?: number;
  responseBody?: Buffer;
  /** True when the whole answer was handed to the caller (it had not hung up). */
  delivered: boolean;
  /** Why there was no answer: the upstream was down, dropped the connection, or the caller gave up. */
  error?: string;
}

const HOP_BY_HOP = ['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection', 'upgrade'];

function responseHeaders(headers: IncomingHttpHeaders, length: number): IncomingHttpHeaders {
  const copy: IncomingHttpHeaders = { ...headers };
  for (const name of HOP_BY_HOP) delete copy[name];
  copy['content-length'] = String(length);
  return copy;
}

/**
 * A transparent HTTP relay on `listenPort` to `targetPort` that reports every exchange: the chaos run's view of what
 * the VPS really handed the bank (its answers and its callbacks), which the simulator itself does not expose. When the
 * target cannot be reached or drops the connection, the caller's connection is dropped too, as it would be without
 * the relay.
 */
export async function startWiretap(listenPort: number, targetPort: number, onExchange: (exchange: Exchange) => void) {
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const exchange: Exchange = {
        at: Date.now(),
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        requestBody: Buffer.concat(chunks),
        delivered: false,
      };
      let reported = false;
      const report = (changes: Partial<Exchange>) => {
        if (reported) return;
        reported = true;
        onExchange({ ...exchange, ...changes });
      };
      const upstream = request(
        {
          host: '127.0.0.1',
          port: targetPort,
          method: exchange.method,
          path: exchange.path,
          headers: { ...req.headers, host: `127.0.0.1:${targetPort}` },
          agent,
        },
        (answer) => {
          const parts: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => parts.push(chunk));
          answer.on('error', (error) => {
            res.destroy();
            report({ error: `upstream answer broke off: ${error.message}` });
          });
          answer.on('end', () => {
            const body = Buffer.concat(parts);
            const status = answer.statusCode ?? 502;
            if (res.destroyed) return report({ status, responseBody: body, error: 'the caller hung up first' });
            res.writeHead(status, responseHeaders(answer.headers, body.length));
            res.end(body, () => report({ status, responseBody: body, delivered: true }));
            res.once('close', () => report({ status, responseBody: body, delivered: res.writableFinished }));
          });
        },
      );
      upstream.on('error', (error) => {
        req.socket.destroy();
        report({ error: `upstream unreachable or dropped: ${(error as NodeJS.ErrnoException).code ?? error.message}` });
      });
      res.once('close', () => {
        if (!res.writableFinished) upstream.destroy(new Error('the caller hung up'));
      });
      upstream.end(exchange.requestBody);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listenPort, '127.0.0.1', () => resolve());
  });
  return {
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}
