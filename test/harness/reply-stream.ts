import type { SignedInUser } from './tenant-setup.js';

/** One part of the AI SDK UI message stream, as far as the tests read it. */
export interface StreamPart {
  readonly type: string;
  readonly delta?: string;
  readonly errorText?: string;
  readonly messageMetadata?: Record<string, unknown>;
}

/**
 * A reply's stream read as it arrives, over a real socket: the test can act once part of it is in,
 * then read the rest. `status` is the response's, for a send the server refuses.
 */
export async function openReplyStream(
  address: string,
  conversationId: string,
  user: SignedInUser,
  content: string,
  headers: Record<string, string> = {},
) {
  const response = await fetch(`${address}/v1/conversations/${conversationId}/messages`, {
    method: 'POST',
    headers: { ...user.headers, ...headers, 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ content }),
  });
  if (!response.body) throw new Error(`no stream: ${response.status}`);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  const parts: StreamPart[] = [];
  let buffered = '';
  let isDone = false;
  /** Reads until `enough` holds for the parts so far (or the stream ends). */
  async function readUntil(enough: (parts: readonly StreamPart[]) => boolean): Promise<readonly StreamPart[]> {
    while (!enough(parts) && !isDone) {
      const { value, done } = await reader.read();
      if (done) break;
      buffered += value;
      const events = buffered.split('\n\n');
      buffered = events.pop() ?? '';
      for (const event of events) {
        // An event is its `id:` line (the part's place in the reply) and its `data:` line.
        const data = event
          .split('\n')
          .find((line) => line.startsWith('data: '))
          ?.slice('data: '.length);
        if (data === '[DONE]') isDone = true;
        else if (data) parts.push(JSON.parse(data) as StreamPart);
      }
    }
    return parts;
  }
  const textOf = (): string => parts.map((part) => (part.type === 'text-delta' ? part.delta : '')).join('');
  return {
    status: response.status,
    readUntil,
    textOf,
    readToEnd: () => readUntil(() => false),
    isDone: () => isDone,
  };
}

/** Enough once `count` text deltas are in. */
export const textDeltas = (count: number) => (parts: readonly StreamPart[]) =>
  parts.filter((part) => part.type === 'text-delta').length >= count;
