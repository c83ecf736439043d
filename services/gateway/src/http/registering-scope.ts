/**
 * Makes a Fastify plugin run in the scope that registers it instead of a child scope of its own, so that the hooks it
 * adds (the OpenAPI route collector, the rate limit) reach that scope's routes. This is what fastify-plugin does; the
 * gateway does not depend on it, so it sets Fastify's documented 'skip-override' property itself.
 */
export function inRegisteringScope<Plugin extends (...args: never[]) => unknown>(plugin: Plugin): Plugin {
  return Object.assign(plugin, { [Symbol.for('skip-override')]: true });
}
