import type { IncomingMessage, ServerResponse } from 'node:http';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { runRelayAsHelper, startRelayServer, type RelayServer } from './relay-server.js';

/**
 * A second floor: the bare relay with the AI SDK's provider in the path, as Parley calls it (the
 * OpenAI-compatible provider's `doStream`, usage asked for). node:http in; the provider reads the
 * model's stream (parsing and validating each chunk, through its web streams); each text delta goes
 * back out as an OpenAI chunk of its own. No auth, no database. What it costs beside the bare relay is
 * what the settled choice of the AI SDK costs any server; what Parley costs beside it is Parley's own.
 */
export async function startSdkRelay(upstreamUrl: string, port = 0): Promise<RelayServer> {
  const provider = createOpenAICompatible({ name: 'bench', baseURL: `${upstreamUrl}/v1`, includeUsage: true });
  return startRelayServer(relay, port);

  async function relay(request: IncomingMessage, response: ServerResponse): Promise<void> {
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        model: string;
        messages: { role: 'user'; content: string }[];
      };
      const { stream } = await provider.chatModel(body.model).doStream({
        prompt: body.messages.map((message) => ({ role: 'user', content: [{ type: 'text', text: message.content }] })),
      });
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      const id = `chatcmpl-${Date.now()}`;
      for await (const part of stream) {
        if (part.type === 'text-delta') {
          response.write(
            `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', model: body.model, choices: [{ index: 0, delta: { content: part.delta } }] })}\n\n`,
          );
        } else if (part.type === 'finish') {
          const usage = {
            prompt_tokens: part.usage.inputTokens.total ?? 0,
            completion_tokens: part.usage.outputTokens.total ?? 0,
          };
          response.write(
            `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', model: body.model, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage })}\n\n`,
          );
        }
      }
      response.end('data: [DONE]\n\n');
    } catch {
      if (!response.headersSent) response.writeHead(502);
      response.end();
    }
  }
}

await runRelayAsHelper(import.meta.url, 'AI SDK relay', startSdkRelay);
