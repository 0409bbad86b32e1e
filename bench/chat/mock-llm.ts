import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The mock LLM the chat benchmark drives: OpenAI Chat Completions, streaming or not, on 127.0.0.1.
 *
 * It is stateless. The reply's shape travels in the model id, so Parley (through an agent's model),
 * the bare relay and the direct client all get the same reply without configuring the mock:
 * `bench-t{tokens}-g{gapMs}-f{firstTokenMs}`, e.g. `bench-t10-g10-f0` is ten tokens, the first at
 * once, then one every 10 ms. Any other model id gets the default profile.
 *
 * Deliberately not test/fakes/fake-openai-server.ts: that fake records every request and is reshaped
 * per test; here the mock must cost as little CPU as possible, because it shares the machine's cores
 * with the server under test.
 */
export interface ReplyProfile {
  readonly tokens: number;
  readonly gapMs: number;
  readonly firstTokenMs: number;
}

export const defaultProfile: ReplyProfile = { tokens: 10, gapMs: 10, firstTokenMs: 0 };

export function profileModelId(profile: ReplyProfile): string {
  return `bench-t${profile.tokens}-g${profile.gapMs}-f${profile.firstTokenMs}`;
}

export function parseProfile(modelId: string | undefined): ReplyProfile {
  const match = /^bench-t(\d{1,4})-g(\d{1,5})-f(\d{1,5})$/.exec(modelId ?? '');
  if (!match) return defaultProfile;
  return { tokens: Number(match[1]), gapMs: Number(match[2]), firstTokenMs: Number(match[3]) };
}

const words = [
  'Parley',
  ' streams',
  ' this',
  ' fixed',
  ' reply',
  ' at',
  ' a',
  ' fixed',
  ' pace',
  ' for',
  ' the',
  ' benchmark.',
];
export const replyTokens = (count: number): string[] =>
  Array.from({ length: count }, (_, index) => words[index % words.length] ?? ' word');

export interface MockStats {
  streamed: number;
  completed: number;
  /** Non-streaming calls, e.g. a title generated after the first turn. */
  unary: number;
  /** When the latest streaming request arrived (ms since the epoch): where a turn's "before the model" ends. */
  lastStreamAt: number;
}

export interface RunningMock {
  readonly url: string;
  readonly stats: MockStats;
  close(): Promise<void>;
}

export async function startMockLlm(port = 0): Promise<RunningMock> {
  const stats: MockStats = { streamed: 0, completed: 0, unary: 0, lastStreamAt: 0 };
  let sequence = 0;

  const server = createServer((request, response) => {
    if (request.method === 'GET' && request.url === '/_stats') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(stats));
      return;
    }
    if (request.method === 'GET' && /^(\/v1)?\/models$/.test(request.url ?? '')) {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ object: 'list', data: [{ id: profileModelId(defaultProfile), object: 'model' }] }));
      return;
    }
    if (request.method !== 'POST' || !request.url?.endsWith('/chat/completions')) {
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: { message: `Unknown URL ${request.url}`, type: 'invalid_request_error' } }));
      return;
    }
    readJson(request)
      .then((body) => {
        sequence += 1;
        const model = typeof body.model === 'string' ? body.model : 'bench';
        const meta = { id: `chatcmpl-bench-${sequence}`, model, profile: parseProfile(model) };
        if (body.stream === true) {
          stats.streamed += 1;
          stats.lastStreamAt = Date.now();
          streamReply(response, meta, () => (stats.completed += 1));
        } else {
          stats.unary += 1;
          unaryReply(response, meta);
        }
      })
      .catch(() => {
        response.writeHead(400, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ error: { message: 'Invalid JSON body', type: 'invalid_request_error' } }));
      });
  });
  server.keepAliveTimeout = 60_000;

  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { port: boundPort } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${boundPort}`,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface ReplyMeta {
  readonly id: string;
  readonly model: string;
  readonly profile: ReplyProfile;
}

function streamReply(response: ServerResponse, meta: ReplyMeta, onDone: () => void): void {
  const created = Math.floor(Date.now() / 1000);
  const head = `{"id":"${meta.id}","object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(meta.model)}`;
  const delta = (value: object, finishReason: string | null = null) =>
    `data: ${head},"choices":[{"index":0,"delta":${JSON.stringify(value)},"finish_reason":${JSON.stringify(finishReason)}}]}\n\n`;
  const tokens = replyTokens(meta.profile.tokens);

  response.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  let index = 0;
  let timer: NodeJS.Timeout | undefined;
  response.once('close', () => clearTimeout(timer));

  const sendNext = (): void => {
    if (response.destroyed) return;
    // With no gap, the whole reply leaves in one write, as a fast provider's would.
    let out = index === 0 ? delta({ role: 'assistant', content: '' }) : '';
    do {
      out += delta({ content: tokens[index] });
      index += 1;
    } while (meta.profile.gapMs === 0 && index < tokens.length);
    if (index < tokens.length) {
      response.write(out);
      timer = setTimeout(sendNext, meta.profile.gapMs);
      return;
    }
    out += delta({}, 'stop');
    const promptTokens = 12;
    out += `data: ${head},"choices":[],"usage":{"prompt_tokens":${promptTokens},"completion_tokens":${tokens.length},"total_tokens":${promptTokens + tokens.length}}}\n\n`;
    out += 'data: [DONE]\n\n';
    response.end(out);
    onDone();
  };
  if (meta.profile.firstTokenMs > 0) timer = setTimeout(sendNext, meta.profile.firstTokenMs);
  else sendNext();
}

function unaryReply(response: ServerResponse, meta: ReplyMeta): void {
  const content = replyTokens(meta.profile.tokens).join('');
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(
    JSON.stringify({
      id: meta.id,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: meta.model,
      choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 12, completion_tokens: meta.profile.tokens, total_tokens: 12 + meta.profile.tokens },
    }),
  );
}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
}

// Run as its own process by the benchmark, so the load generator does not disturb its timers.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const mock = await startMockLlm(Number(process.env.MOCK_PORT ?? 0));
  if (process.send) process.send({ type: 'ready', url: mock.url });
  else console.log(`mock LLM listening on ${mock.url}`);
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => void mock.close().then(() => process.exit(0)));
}
