import type { MountPlaces } from '../../platform/mount-policy.js';
import type { Database } from '../../platform/db/client.js';
import type { Logger } from '../../platform/logger.js';
import type { OutboundHttp, ProviderHosts } from '../../platform/outbound/index.js';
import type { ServerKeys } from '../../platform/secrets.js';
import { createConnectionPool } from './connection-pool.js';
import { registerMcpRoutes } from './mcp.routes.js';
import { createServerSecrets } from './server-secrets.js';
import { prepareStdioEnvironment, type StdioEnvironment, type StdioSandboxMode } from './stdio-sandbox.js';
import { createServersRepository } from './servers.repository.js';
import { createServersService } from './servers.service.js';
import { createArgumentValidator } from './tool-arguments.js';
import { createToolsRepository } from './tools.repository.js';
import { createToolsService, type McpToolRunner } from './tools.service.js';
import type { App } from '../../platform/http/types.js';

/** Time and size bounds of MCP connections and calls; tests shorten them. */
export interface McpRuntimeOptions {
  readonly connectTimeoutMs: number;
  readonly callTimeoutMs: number;
  readonly idleMs: number;
  readonly maxResultBytes: number;
}

export const defaultMcpRuntimeOptions: McpRuntimeOptions = {
  connectTimeoutMs: 10_000,
  callTimeoutMs: 30_000,
  idleMs: 5 * 60_000,
  maxResultBytes: 100 * 1024,
};

export interface McpModuleDeps {
  readonly db: Database;
  readonly logger: Logger;
  readonly keys: Pick<ServerKeys, 'credentialsKey'>;
  /** Every HTTP request to an MCP server goes through the guard; a user's Parley token never does. */
  readonly outbound: OutboundHttp;
  /** OUTBOUND_ALLOW: besides public addresses, what a networked stdio child may reach through its proxy. */
  readonly outboundAllowList: readonly string[];
  /** Where the server-wide model providers are reached: refused to a networked stdio child's proxy. */
  readonly providerHosts?: ProviderHosts;
  /** Never seen by a stdio server's child (DATA_DIR, the settings file, secrets): not mounted, not its working directory. */
  readonly mountPlaces: MountPlaces;
  /** An interpreter command runs only scripts inside these directories (MCP_SCRIPT_DIRS). */
  readonly scriptDirs: readonly string[];
  /** MCP_STDIO_USER and MCP_STDIO_SANDBOX: who children run as, and whether in bubblewrap (found on searchPath). */
  readonly stdio: { readonly user: string | undefined; readonly mode: StdioSandboxMode; readonly searchPath: string };
  readonly options?: Partial<McpRuntimeOptions>;
}

/** The only module that speaks MCP (it alone imports the SDK). `close()` ends every pooled connection. */
export function createMcpModule(deps: McpModuleDeps) {
  const options = { ...defaultMcpRuntimeOptions, ...deps.options };
  const { outbound } = deps;
  let prepared: Promise<StdioEnvironment> | undefined;
  /** Worked out with the first stdio server (it starts bwrap once to see that it works), then kept. */
  const stdioEnvironment = () =>
    (prepared ??= prepareStdioEnvironment({
      ...deps.stdio,
      mountPlaces: deps.mountPlaces,
      scriptDirs: deps.scriptDirs,
      outboundAllowList: deps.outboundAllowList,
      providerHosts: deps.providerHosts,
    }).then((environment) => {
      const { isolation } = environment;
      if (isolation.refusal) deps.logger.warn({ reason: isolation.refusal }, 'stdio MCP servers cannot start');
      else if (isolation.missing.length > 0) {
        deps.logger.warn({ missing: isolation.missing }, 'stdio MCP servers run with less isolation');
      }
      return environment;
    }));
  const pool = createConnectionPool({ outbound, logger: deps.logger, options, stdioEnvironment });
  const secrets = createServerSecrets({ credentialsKey: deps.keys.credentialsKey });
  const serversRepository = createServersRepository();
  const toolsRepository = createToolsRepository();
  const servers = createServersService({
    db: deps.db,
    servers: serversRepository,
    tools: toolsRepository,
    secrets,
    pool,
    outbound,
    mountPlaces: deps.mountPlaces,
    stdioEnvironment,
  });
  const tools = createToolsService({
    db: deps.db,
    servers: serversRepository,
    tools: toolsRepository,
    secrets,
    pool,
    validator: createArgumentValidator(),
    logger: deps.logger,
    limits: { callTimeoutMs: options.callTimeoutMs, maxResultBytes: options.maxResultBytes },
  });
  const toolRunner: McpToolRunner = { execute: tools.execute };
  return {
    servers,
    tools,
    toolRunner,
    registerRoutes: (app: App) => registerMcpRoutes(app, { servers, tools }),
    close: () => pool.closeAll(),
  };
}

export type { McpToolRunner, ToolExecutionContext } from './tools.service.js';
export type { ToolExecutionResult, ToolContentItem } from './tool-result.js';
