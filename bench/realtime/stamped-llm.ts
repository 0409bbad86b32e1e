import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

/**
 * The realtime bench's mock LLM: OpenAI Chat Completions streaming, where every token carries the
 * wall-clock time it left the mock, as ` ⟦1732571234567.123⟧`. A subscriber anywhere on the machine
 * reads the stamp in the delta it receives and knows how long the token took to reach it, through
 * Parley (one node or two) or through the bare broadcast floor alike.
 *
 * The reply's shape travels in the model id, as in bench/chat: `stamp-t{tokens}-g{gapMs}`. With no gap
 * the whole reply leaves in one write.
 */
export interface StampProfile {
  readonly tokens: number;
  readonly gapMs: number;
}

export const stampModelId = (profile: StampProfile) => `stamp-t${profile.tokens}-g${profile.gapMs}`;

export function parseStampProfile(modelId: string | undefined): StampProfile {
  const match = /^stamp-t(\d{1,5})-g(\d{1,5})$/.exec(modelId ?? '');
  return match ? { tokens: Number(match[1]), gapMs: Number(match[2]) } : { tokens: 5, gapMs: 0 };
}

/** Milliseconds since the epoch with sub-millisecond precision, comparable across processes of one machine. */
export const wallClockMs = () => performance.timeOrigin + performance.now();

const stampPattern = /⟦(\d+\.\d+)⟧/g;

/** The send times of every token in a delta (a server may coalesce several tokens into one delta). */
export function readStamps(text: string): number[] {
  return [...text.matchAll(stampPattern)].map((match) => Number(match[1]));
}

export async function startStampedLlm(port = 0): Promise<{ url: string; close(): Promise<void> }> {
  let sequence = 0;
  const server = createServer((request, response) => {
    if (request.method === 'GET' && /^(\/v1)?\/models$/.test(request.url ?? '')) {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ object: 'list', data: [{ id: 'stamp-t5-g0', object: 'model' }] }));
      return;
    }
    if (request.method !== 'POST' || !request.url?.endsWith('/chat/completions')) {
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: { message: `Unknown URL ${request.url}`, type: 'invalid_request_error' } }));
      return;
    }
    void readJson(request).then((body) => {
      const model = typeof body.model === 'string' ? body.model : 'stamp';
      const id = `chatcmpl-stamp-${++sequence}`;
      if (body.stream === true) streamReply(response, id, model, parseStampProfile(model));
      else unaryReply(response, id, model);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { port: boundPort } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${boundPort}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function streamReply(response: ServerResponse, id: string, model: string, profile: StampProfile): void {
  const head = `{"id":"${id}","object":"chat.completion.chunk","created":${Math.floor(Date.now() / 1000)},"model":${JSON.stringify(model)}`;
  const chunk = (delta: object, finishReason: string | null = null) =>
    `data: ${head},"choices":[{"index":0,"delta":${JSON.stringify(delta)},"finish_reason":${JSON.stringify(finishReason)}}]}\n\n`;
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  let index = 0;
  let timer: NodeJS.Timeout | undefined;
  response.once('close', () => clearTimeout(timer));
  const sendNext = () => {
    if (response.destroyed) return;
    let out = index === 0 ? chunk({ role: 'assistant', content: '' }) : '';
    do {
      out += chunk({ content: ` ⟦${wallClockMs().toFixed(3)}⟧` });
      index += 1;
    } while (profile.gapMs === 0 && index < profile.tokens);
    if (index < profile.tokens) {
      response.write(out);
      timer = setTimeout(sendNext, profile.gapMs);
      return;
    }
    out += chunk({}, 'stop');
    out += `data: ${head},"choices":[],"usage":{"prompt_tokens":12,"completion_tokens":${profile.tokens},"total_tokens":${12 + profile.tokens}}}\n\n`;
    response.end(`${out}data: [DONE]\n\n`);
  };
  sendNext();
}

function unaryReply(response: ServerResponse, id: string, model: string): void {
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(
    JSON.stringify({
      id,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model,
      choices: [{ index: 0, message: { role: 'assistant', content: 'Bench title' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 12, completion_tokens: 2, total_tokens: 14 },
    }),
  );
}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const mock = await startStampedLlm(Number(process.env.MOCK_PORT ?? 0));
  if (process.send) process.send({ type: 'ready', url: mock.url });
  else console.log(`stamped mock LLM listening on ${mock.url}`);
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => void mock.close().then(() => process.exit(0)));
}
