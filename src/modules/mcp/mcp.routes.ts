import { platformAdminAccess, tenantAdminAccess } from '../../access/require-access.js';
import { idParams, noContent } from '../../platform/http/common-schemas.js';
import { actorOf, type App } from '../../platform/http/types.js';
import type { ServersService } from './servers.service.js';
import {
  createServerBody,
  createStdioCommandBody,
  executableInspectionSchema,
  inspectExecutableBody,
  serverListSchema,
  serverSchema,
  stdioCommandListSchema,
  stdioCommandSchema,
  updateServerBody,
  updateStdioCommandBody,
} from './servers.schemas.js';
import type { ToolsService } from './tools.service.js';
import {
  executeToolBody,
  executionPageSchema,
  listExecutionsQuery,
  listToolsQuery,
  toolExecutionResultSchema,
  toolListSchema,
  toolSchema,
  updateToolBody,
} from './tools.schemas.js';

const tags = ['mcp'];
const security = [{ bearer: [] }];

/**
 * Everything here is administration: the platform admin allows executables; a tenant admin registers servers,
 * syncs, curates and tries tools and reads the log. Members reach tools only through agents (a later phase).
 */
export function registerMcpRoutes(app: App, services: { servers: ServersService; tools: ToolsService }): void {
  const { servers, tools } = services;

  app.get('/v1/mcp/stdio-commands', {
    config: { access: tenantAdminAccess },
    schema: {
      tags,
      security,
      summary: 'The command templates stdio MCP servers may run, and the isolation their children get here',
      response: { 200: stdioCommandListSchema },
    },
    handler: (request) => servers.listStdioCommands(actorOf(request)),
  });

  app.post('/v1/mcp/stdio-commands', {
    config: { access: platformAdminAccess },
    schema: {
      tags,
      security,
      summary:
        'Make a command template: executable, arguments with {parameter} placeholders, typed parameters, env names tenants may set, network',
      body: createStdioCommandBody,
      response: { 201: stdioCommandSchema },
    },
    handler: async (request, reply) =>
      reply.status(201).send(await servers.createStdioCommand(actorOf(request), request.body)),
  });

  app.post('/v1/mcp/stdio-commands/inspect', {
    config: { access: platformAdminAccess },
    schema: {
      tags,
      security,
      summary:
        'What an executable is (resolved path; program, script, shell, interpreter, loader or runner), before allowing it',
      body: inspectExecutableBody,
      response: { 200: executableInspectionSchema },
    },
    handler: (request) => servers.inspectExecutable(actorOf(request), request.body.executablePath),
  });

  app.patch('/v1/mcp/stdio-commands/:id', {
    config: { access: platformAdminAccess },
    schema: {
      tags,
      security,
      summary: 'Change a command template (servers using it follow at their next start)',
      params: idParams,
      body: updateStdioCommandBody,
      response: { 200: stdioCommandSchema },
    },
    handler: (request) => servers.updateStdioCommand(actorOf(request), request.params.id, request.body),
  });

  app.delete('/v1/mcp/stdio-commands/:id', {
    config: { access: platformAdminAccess },
    schema: {
      tags,
      security,
      summary: 'Withdraw a command template (servers using it stop, saying so)',
      params: idParams,
      response: { 204: noContent },
    },
    handler: async (request, reply) => {
      await servers.removeStdioCommand(actorOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  });

  app.get('/v1/mcp/servers', {
    config: { access: tenantAdminAccess },
    schema: { tags, security, summary: "The tenant's MCP servers", response: { 200: serverListSchema } },
    handler: (request) => servers.listServers(actorOf(request)),
  });

  app.post('/v1/mcp/servers', {
    config: { access: tenantAdminAccess },
    schema: {
      tags,
      security,
      summary: 'Register an MCP server (headers and env are stored encrypted and never returned)',
      body: createServerBody,
      response: { 201: serverSchema },
    },
    handler: async (request, reply) =>
      reply.status(201).send(await servers.createServer(actorOf(request), request.body)),
  });

  app.get('/v1/mcp/servers/:id', {
    config: { access: tenantAdminAccess },
    schema: { tags, security, summary: 'One MCP server', params: idParams, response: { 200: serverSchema } },
    handler: (request) => servers.getServer(actorOf(request), request.params.id),
  });

  app.patch('/v1/mcp/servers/:id', {
    config: { access: tenantAdminAccess },
    schema: {
      tags,
      security,
      summary: 'Change an MCP server (null removes headers or env)',
      params: idParams,
      body: updateServerBody,
      response: { 200: serverSchema },
    },
    handler: (request) => servers.updateServer(actorOf(request), request.params.id, request.body),
  });

  app.delete('/v1/mcp/servers/:id', {
    config: { access: tenantAdminAccess },
    schema: {
      tags,
      security,
      summary: 'Delete an MCP server and its tools',
      params: idParams,
      response: { 204: noContent },
    },
    handler: async (request, reply) => {
      await servers.removeServer(actorOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  });

  app.post('/v1/mcp/servers/:id/sync', {
    config: { access: tenantAdminAccess },
    schema: {
      tags,
      security,
      summary: "Connect, list the server's tools and store them (tools it no longer has are removed)",
      params: idParams,
      response: { 200: toolListSchema },
    },
    handler: (request) => servers.syncServer(actorOf(request), request.params.id),
  });

  app.get('/v1/mcp/tools', {
    config: { access: tenantAdminAccess },
    schema: {
      tags,
      security,
      summary: "The tenant's synced tools, optionally of one server",
      querystring: listToolsQuery,
      response: { 200: toolListSchema },
    },
    handler: (request) => tools.listTools(actorOf(request), request.query.serverId),
  });

  app.patch('/v1/mcp/tools/:id', {
    config: { access: tenantAdminAccess },
    schema: {
      tags,
      security,
      summary: 'Enable or disable a tool, or change whether its calls need approval',
      params: idParams,
      body: updateToolBody,
      response: { 200: toolSchema },
    },
    handler: (request) => tools.updateTool(actorOf(request), request.params.id, request.body),
  });

  app.post('/v1/mcp/tools/:id/execute', {
    config: { access: tenantAdminAccess },
    schema: {
      tags,
      security,
      summary: 'Run a tool with arguments checked against its schema (bounded in time and size; recorded)',
      params: idParams,
      body: executeToolBody,
      response: { 200: toolExecutionResultSchema },
    },
    handler: (request) => tools.executeDirect(actorOf(request), request.params.id, request.body.arguments),
  });

  app.get('/v1/mcp/executions', {
    config: { access: tenantAdminAccess },
    schema: {
      tags,
      security,
      summary: 'The tool execution log, newest first',
      querystring: listExecutionsQuery,
      response: { 200: executionPageSchema },
    },
    handler: (request) => tools.listExecutions(actorOf(request), request.query),
  });
}
