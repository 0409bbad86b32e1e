import type { FastifyInstance } from 'fastify';

/** Apps currently registering a trusted plugin whose routes cannot take our route config. */
const registeringTrustedPlugin = new WeakSet<FastifyInstance>();

/**
 * Refuses to register a route that does not say who may call it, so an unguarded endpoint cannot ship
 * by accident. While `registerPublicPluginRoutes` runs, undeclared routes are marked `public` instead.
 */
export function requireDeclaredAccess(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    const config = (route.config ?? {}) as { access?: unknown };
    if (config.access !== undefined) return;
    if (registeringTrustedPlugin.has(app)) {
      route.config = { ...config, access: 'public' };
      return;
    }
    if (route.method === 'HEAD') return;
    throw new Error(`Route ${String(route.method)} ${route.url} does not declare config.access`);
  });
}

/**
 * Runs `register` for a trusted plugin (CORS preflight, the docs UI, the web console's static files)
 * and marks the routes it adds without an access rule as `public`. Routes added afterwards are checked.
 */
export async function registerPublicPluginRoutes(
  app: FastifyInstance,
  register: () => PromiseLike<unknown>,
): Promise<void> {
  registeringTrustedPlugin.add(app);
  try {
    await register();
  } finally {
    registeringTrustedPlugin.delete(app);
  }
}
