import { useQuery } from '@tanstack/react-query';
import { useServices } from '../../app-context';

/** The shapes of /v1/mcp/*, as the server's servers.schemas.ts and tools.schemas.ts declare them. */

export type McpTransport = 'streamable-http' | 'sse' | 'stdio';
export const mcpTransports: readonly McpTransport[] = ['streamable-http', 'sse', 'stdio'];
export const transportLabels: Record<McpTransport, string> = {
  'streamable-http': 'Streamable HTTP',
  sse: 'SSE (legacy HTTP)',
  stdio: 'stdio (a program on this server)',
};

export type McpServerStatus = 'unknown' | 'connected' | 'error';

/** Header and environment values are write-only: the server answers only their names. */
export interface McpServer {
  id: string;
  name: string;
  transport: McpTransport;
  url: string | null;
  headerNames: string[];
  stdioCommandId: string | null;
  /** The exact command that runs (executable, then its template's arguments filled in, no shell); null unless stdio with a template. */
  command: string[] | null;
  /** A stdio server's values of its template's parameters. */
  parameters: Record<string, string>;
  envNames: string[];
  enabled: boolean;
  status: McpServerStatus;
  statusMessage: string | null;
  lastSyncedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** POST /v1/mcp/servers; PATCH takes the same fields but transport, where null removes headers or env. */
export interface McpServerInput {
  name?: string;
  transport?: McpTransport;
  url?: string;
  headers?: Record<string, string> | null;
  stdioCommandId?: string;
  parameters?: Record<string, string>;
  env?: Record<string, string> | null;
  enabled?: boolean;
}

export type ExecutableKind = 'binary' | 'script' | 'shell' | 'interpreter' | 'loader' | 'runner';
export const executableKindLabels: Record<ExecutableKind, string> = {
  binary: 'Program',
  script: 'Script',
  shell: 'Shell',
  interpreter: 'Interpreter',
  loader: 'Dynamic loader',
  runner: 'Runs commands',
};

/** What an executable is, judged by the file (POST /v1/mcp/stdio-commands/inspect). */
export interface ExecutableInspection {
  executablePath: string;
  resolvedPath: string;
  kind: ExecutableKind;
  interpreter: { path: string; kind: ExecutableKind } | null;
  sameAs: string | null;
  runsCode: boolean;
  summary: string;
}

export interface StdioParameter {
  name: string;
  type: 'string' | 'integer' | 'url';
  pattern: string;
  description: string;
  required: boolean;
}

/** A command template a platform administrator made for stdio servers. */
export interface StdioCommand {
  id: string;
  name: string;
  executablePath: string;
  description: string;
  allowInterpreter: boolean;
  args: string[];
  parameters: StdioParameter[];
  envNames: string[];
  allowNetwork: boolean;
  readOnlyPaths: string[];
  inspection: ExecutableInspection | null;
  createdAt: string;
}

export interface StdioCommandInput {
  name: string;
  executablePath: string;
  description: string;
  allowInterpreter: boolean;
  args: string[];
  parameters: StdioParameter[];
  envNames: string[];
  allowNetwork: boolean;
  readOnlyPaths: string[];
}

/** What confinement this server gives stdio servers' children, and what it lacks. */
export interface StdioIsolation {
  sandbox: 'bubblewrap' | 'none';
  runAs: string | null;
  missing: string[];
  refusal: string | null;
}

export type ToolApproval = 'auto' | 'needs_approval';
export const approvalLabels: Record<ToolApproval, string> = {
  auto: 'Runs automatically',
  needs_approval: 'Needs approval',
};

export interface McpTool {
  id: string;
  serverId: string;
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
  enabled: boolean;
  approval: ToolApproval;
  syncedAt: string;
}

export type ToolOutcome = 'success' | 'error' | 'timeout' | 'denied' | 'invalid_arguments';
export const outcomeLabels: Record<ToolOutcome, string> = {
  success: 'Success',
  error: 'Error',
  timeout: 'Timed out',
  denied: 'Denied',
  invalid_arguments: 'Invalid arguments',
};

/** What POST /v1/mcp/tools/:id/execute answers: the tool's MCP content blocks, bounded in size. */
export interface ToolExecutionResult {
  content: ({ type: string } & Record<string, unknown>)[];
  isError: boolean;
  truncated: boolean;
  durationMs: number;
  outcome: ToolOutcome;
}

/** One line of the execution log. The arguments are kept only as a hash. */
export interface ToolExecution {
  id: string;
  toolId: string | null;
  serverId: string | null;
  toolName: string;
  userId: string | null;
  agentId: string | null;
  conversationId: string | null;
  argumentsSha256: string;
  durationMs: number;
  outcome: ToolOutcome;
  resultBytes: number;
  truncated: boolean;
  errorMessage: string | null;
  createdAt: string;
}

export const toolsPath = '/tools';
export const serversApiPath = '/v1/mcp/servers';
export const serverApiPath = (id: string) => `${serversApiPath}/${encodeURIComponent(id)}`;
export const toolsApiPath = '/v1/mcp/tools';
export const toolApiPath = (id: string) => `${toolsApiPath}/${encodeURIComponent(id)}`;
export const executionsApiPath = '/v1/mcp/executions';
export const stdioCommandsApiPath = '/v1/mcp/stdio-commands';

export const mcpKeys = {
  all: ['mcp'] as const,
  servers: ['mcp', 'servers'] as const,
  server: (id: string) => ['mcp', 'server', id] as const,
  tools: (serverId: string) => ['mcp', 'tools', serverId] as const,
  executions: ['mcp', 'executions'] as const,
  stdioCommands: ['mcp', 'stdio-commands'] as const,
};

export function useMcpServers() {
  const { api } = useServices();
  return useQuery({ queryKey: mcpKeys.servers, queryFn: () => api.get<{ items: McpServer[] }>(serversApiPath) });
}

export function useMcpServer(id: string) {
  const { api } = useServices();
  return useQuery({ queryKey: mcpKeys.server(id), queryFn: () => api.get<McpServer>(serverApiPath(id)) });
}

export function useStdioCommands() {
  const { api } = useServices();
  return useQuery({
    queryKey: mcpKeys.stdioCommands,
    queryFn: () => api.get<{ items: StdioCommand[]; isolation: StdioIsolation }>(stdioCommandsApiPath),
  });
}

export function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}
