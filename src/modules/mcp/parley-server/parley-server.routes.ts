import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Actor } from '../../../access/actor.js';
import { AppError } from '../../../platform/errors.js';
import { actorOf, type App } from '../../../platform/http/types.js';
import type { ParleyToolDeps } from './parley-tools.types.js';
import { hijackKeepingHeaders } from '../../../platform/http/hijacked-reply.js';

/**
 * The issue asks for a tenant API key: an MCP client is a program configured once, and a browser session's
 * access token expires within the hour and would end up pasted into config files.
 */
function apiKeyActorOf(request: FastifyRequest): Actor {
  const actor = actorOf(request);
  if (actor.via !== 'api_key') {
    throw new AppError(
      'unauthenticated',
      'The MCP endpoint accepts tenant API keys only; create one under API keys in Parley and send it as "Authorization: Bearer pk_…"',
    );
  }
  return actor;
}

/**
 * Stateless Streamable HTTP: a fresh MCP server and transport per POST, no session id. Nothing is kept
 * between requests, so any node behind a load balancer can answer any request of a client, and a node
 * restart loses nothing. The tools need no server-to-client stream, so JSON responses (not SSE) suffice.
 */
async function serveMcpRequest(request: FastifyRequest, reply: FastifyReply, deps: ParleyToolDeps): Promise<void> {
  const actor = apiKeyActorOf(request);
  // The MCP SDK's server side is loaded by the first request here, not at start-up (start-up memory,
  // BENCHMARKS.md); later requests find it in the module cache.
  const [{ StreamableHTTPServerTransport }, { createParleyMcpServer }] = await Promise.all([
    import('@modelcontextprotocol/sdk/server/streamableHttp.js'),
    import('./parley-mcp-server.js'),
  ]);
  const server = createParleyMcpServer(actor, deps);
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  // From here on the transport writes the response.
  hijackKeepingHeaders(reply);
  reply.raw.on('close', () => {
    void transport.close();
    void server.close();
  });
  try {
    await server.connect(transport);
    await transport.handleRequest(request.raw, reply.raw, request.body);
  } catch (error) {
    request.log.error({ err: error }, 'MCP request failed');
    if (!reply.raw.headersSent) {
      reply.raw.writeHead(500, { 'content-type': 'application/json' });
      reply.raw.end(JSON.stringify(jsonRpcError(-32603, 'Parley could not handle this MCP request; try again later')));
    }
  }
}

const jsonRpcError = (code: number, message: string) => ({ jsonrpc: '2.0', error: { code, message }, id: null });

export function registerParleyMcpRoutes(app: App, deps: ParleyToolDeps): void {
  app.post('/mcp', {
    config: {
      access: 'authenticated',
      docs: {
        errors: 'json-rpc',
        otherAnswers: { 200: { description: 'The JSON-RPC answer to the MCP request', mediaType: 'application/json' } },
      },
    },
    schema: {
      tags: ['mcp'],
      security: [{ bearer: [] }],
      summary: "Parley's own MCP server (Streamable HTTP, stateless): search_knowledge, list_agents, ask_agent",
    },
    handler: (request, reply) => serveMcpRequest(request, reply, deps),
  });
  // Stateless: no server-initiated stream to open (GET) and no session to end (DELETE), as the SDK's examples answer.
  for (const method of ['GET', 'DELETE'] as const) {
    app.route({
      method,
      url: '/mcp',
      config: { access: 'authenticated', docs: { errors: 'json-rpc' } },
      schema: { tags: ['mcp'], security: [{ bearer: [] }], summary: 'Not offered: this MCP server is stateless' },
      handler: (request, reply) => {
        apiKeyActorOf(request);
        return reply
          .code(405)
          .header('allow', 'POST')
          .send(jsonRpcError(-32000, 'Method not allowed: this MCP server is stateless; send requests with POST'));
      },
    });
  }
}
