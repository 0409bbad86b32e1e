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
