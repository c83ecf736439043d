/**
 * Which methods each registered path answers, so that a request for a known path under another method gets 405 with
 * Allow (RFC 9110 §15.5.6) instead of 404. Fastify's router answers 404 for both.
 *
 * Catch-all routes (`/*`, as @fastify/static registers for a folder) are left out: they answer 404 for most of the
 * paths they match, so they say nothing about which methods a path has.
 */
export class RouteTable {
  readonly #routes = new Map<string, { pattern: RegExp; methods: Set<string> }>();

  add(method: string | string[], url: string): void {
    if (url.includes('*')) return;
    let entry = this.#routes.get(url);
    if (!entry) {
      entry = { pattern: patternOf(url), methods: new Set() };
      this.#routes.set(url, entry);
    }
    for (const one of [method].flat()) entry.methods.add(one.toUpperCase());
  }

  /** The methods that have a route for `path`, sorted; GET implies HEAD. Empty when no route matches the path at all. */
  methodsFor(path: string): string[] {
    const methods = new Set<string>();
    for (const { pattern, methods: routeMethods } of this.#routes.values()) {
      if (pattern.test(path)) for (const method of routeMethods) methods.add(method);
    }
    if (methods.has('GET')) methods.add('HEAD');
    return [...methods].sort();
  }
}

const escape = (text: string) => text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');

/** `/voucher/requests/:requestId/events` matches `/voucher/requests/<anything but a slash>/events`. */
function patternOf(url: string): RegExp {
  const segments = url.split('/').map((segment) => (segment.includes(':') ? '[^/]+' : escape(segment)));
  return new RegExp(`^${segments.join('/')}$`);
}
