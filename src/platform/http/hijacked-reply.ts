import type { ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';

/**
 * Takes the response over from Fastify (reply.hijack) for code that writes it itself (an SSE stream, the
 * MCP SDK's transport). Hooks do not run for a hijacked reply, so the headers they set before it (CORS,
 * rate limits) are copied onto the raw response here, with the request id, as Fastify would have sent them.
 */
export function hijackKeepingHeaders(reply: FastifyReply): ServerResponse {
  reply.hijack();
  const raw = reply.raw;
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    if (value !== undefined) raw.setHeader(name, value);
  }
  raw.setHeader('x-request-id', reply.request.id);
  return raw;
}
