import type { App } from '../../../platform/http/types.js';
import { registerParleyMcpRoutes } from './parley-server.routes.js';
import type { ParleyToolDeps } from './parley-tools.types.js';

/**
 * Parley as an MCP server at /mcp: its knowledge search and agents as tools for MCP clients (Claude
 * Desktop, IDEs), authenticated by a tenant API key. The other way round from the rest of this folder,
 * where Parley is the client of other MCP servers.
 */
export function createParleyMcpEndpoint(deps: ParleyToolDeps) {
  return { registerRoutes: (app: App) => registerParleyMcpRoutes(app, deps) };
}

export type { ParleyToolDeps } from './parley-tools.types.js';
