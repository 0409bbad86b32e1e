import type { App } from '../../src/platform/http/types.js';
import type { SignedIn } from './actors.js';

export interface CreatedAgent {
  readonly id: string;
  readonly name: string;
}

export interface CreatedConversation {
  readonly id: string;
  readonly title: string | null;
  readonly agentId: string;
}

export async function createAgent(
  app: App,
  user: SignedIn,
  payload: Record<string, unknown> = {},
): Promise<CreatedAgent> {
  const response = await app.inject({
    method: 'POST',
    url: '/v1/agents',
    headers: user.headers,
    payload: { name: 'Assistant', instructions: 'You are helpful.', ...payload },
  });
  if (response.statusCode !== 201) throw new Error(`create agent failed: ${response.statusCode} ${response.body}`);
  return response.json();
}

/**
 * Two agents on the server's OpenAI provider: one that streams its reply plainly, and one with a tool,
 * whose turns run the AI SDK's tool loop instead. Tests of what every reply must do cover both.
 */
export async function createPlainAndToolAgents(app: App, user: SignedIn) {
  const plain = await createAgent(app, user, { name: 'Plain', model: 'openai:gpt-4o-mini' });
  const withTool = await createAgent(app, user, {
    name: 'With a tool',
    model: 'openai:gpt-4o-mini',
    toolKeys: ['builtin:current_time'],
  });
  return { plainAgentId: plain.id, toolAgentId: withTool.id };
}

export async function createConversation(
  app: App,
  user: SignedIn,
  agentId: string,
  payload: Record<string, unknown> = {},
): Promise<CreatedConversation> {
  const response = await app.inject({
    method: 'POST',
    url: '/v1/conversations',
    headers: user.headers,
    payload: { agentId, ...payload },
  });
  if (response.statusCode !== 201)
    throw new Error(`create conversation failed: ${response.statusCode} ${response.body}`);
  return response.json();
}

/** The `data:` payloads of a Server-Sent Events body, in order; comments (heartbeats) are skipped. */
export function sseData(body: string): string[] {
  return body
    .split('\n\n')
    .map((event) =>
      event
        .split('\n')
        .filter((line) => line.startsWith('data: '))
        .map((line) => line.slice('data: '.length))
        .join('\n'),
    )
    .filter((data) => data.length > 0);
}

/** Parses a UI message stream body: its JSON parts, and whether it ended with `[DONE]`. */
export function uiMessageParts(body: string): {
  parts: Array<Record<string, unknown> & { type: string }>;
  isDone: boolean;
} {
  const data = sseData(body);
  const isDone = data.at(-1) === '[DONE]';
  const parts = data.filter((item) => item !== '[DONE]').map((item) => JSON.parse(item) as { type: string });
  return { parts, isDone };
}

/** Polls until `check` returns a value (not undefined) or the time is up. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 5000,
  intervalMs = 25,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
