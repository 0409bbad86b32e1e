import type { FastifyInstance } from 'fastify';

/**
 * Refuses to register a route that does not say who may call it, so an unguarded endpoint
 * cannot ship by accident. Routes added by plugins we trust (docs UI, static files) pass `public`.
 */
export function requireDeclaredAccess(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    if (route.method === 'HEAD') return;
    const access = (route.config as { access?: unknown } | undefined)?.access;
    if (access === undefined) {
      throw new Error(`Route ${String(route.method)} ${route.url} does not declare config.access`);
    }
  });
}

/**
 * Runs `register` and marks the routes it adds without an access rule as `public`: for trusted
 * plugins (CORS preflight, the docs UI) that cannot take our route config. Routes added afterwards
 * are left alone, so `requireDeclaredAccess` still catches every route of ours.
 */
export async function registerPublicPluginRoutes(
  app: FastifyInstance,
  register: () => PromiseLike<unknown>,
): Promise<void> {
  let isMarking = true;
  app.addHook('onRoute', (route) => {
    if (!isMarking) return;
    const config = (route.config ?? {}) as { access?: unknown };
    if (config.access === undefined) route.config = { ...config, access: 'public' };
  });
  await register();
  isMarking = false;
}
