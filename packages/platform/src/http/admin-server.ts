import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface AdminRoutes {
  service: string;
  /** The Prometheus text of the process's registry. */
  metrics(): Promise<{ contentType: string; body: string }>;
  /** The readiness checks that fail, by name, with their reasons; empty when the process is ready. */
  failures(): Promise<Record<string, string>>;
  /** Serves any other path (a service's own admin routes, admin-routes.ts); unset, other paths are 404. */
  others?(request: IncomingMessage, response: ServerResponse): void;
}

const ROUTES = new Set(['/metrics', '/readyz', '/healthz']);

/**
 * The operations port of a process: /metrics, /readyz with the reason of every failing check, /healthz, and the admin
 * routes the service added (`others`). It is a plain node:http server, apart from the public Fastify one, so that no
 * public route, hook or plugin (rate limits, the page, the API reference) ever sees it; it listens on ADMIN_HOST
 * (loopback by default).
 */
export class AdminServer {
  readonly #routes: AdminRoutes;
  #server: Server | undefined;
  #url: string | undefined;

  constructor(routes: AdminRoutes) {
    this.#routes = routes;
  }

  /** `http://host:port` while it listens. */
  get url(): string | undefined {
    return this.#url;
  }

  async listen(port: number, host: string): Promise<string> {
    const server = createServer({ requestTimeout: 10_000, headersTimeout: 10_000 }, (request, response) => {
      this.#handle(request, response).catch(() => {
        if (!response.headersSent) send(response, 500, { status: 'error', service: this.#routes.service });
        else response.destroy();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.#server = server;
    this.#url = `http://${urlHost(host)}:${(server.address() as AddressInfo).port}`;
    return this.#url;
  }

  async close(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    this.#url = undefined;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections(); // scrapes and probes are short; nothing is worth waiting for
    await closed;
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    const { service } = this.#routes;
    if (!ROUTES.has(path) && this.#routes.others) return this.#routes.others(request, response);
    if (!ROUTES.has(path)) return send(response, 404, problemOf(404, `No route for ${request.method} ${path}.`));
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('allow', 'GET, HEAD');
      return send(response, 405, problemOf(405, `${path} accepts GET and HEAD.`));
    }
    if (path === '/healthz') return send(response, 200, { status: 'ok', service });
    if (path === '/metrics') {
      const { contentType, body } = await this.#routes.metrics();
      response.writeHead(200, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
      response.end(request.method === 'HEAD' ? undefined : body);
      return;
    }
    const failures = await this.#routes.failures();
    if (Object.keys(failures).length > 0) return send(response, 503, { status: 'not ready', service, failures });
    return send(response, 200, { status: 'ready', service });
  }
}

function problemOf(status: number, detail: string) {
  return { type: 'about:blank', title: STATUS_CODES[status], status, detail };
}

function send(response: ServerResponse, status: number, body: object): void {
  const text = JSON.stringify(body);
  const type = status >= 400 && 'title' in body ? 'application/problem+json' : 'application/json';
  response.writeHead(status, { 'content-type': `${type}; charset=utf-8`, 'content-length': Buffer.byteLength(text) });
  response.end(response.req.method === 'HEAD' ? undefined : text);
}

/** A wildcard listen address is reached through loopback; IPv6 literals need brackets in a URL. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
