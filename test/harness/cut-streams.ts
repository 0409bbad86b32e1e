/**
 * What a client does with a reply's stream that may be cut (docs/chat.md, "A stream cut short"): read
 * its events with their ids, tell a cut from a finish by the `finish` part, and follow the same reply
 * through `GET …/messages/:messageId/stream` from the last id on whichever node answers, until its
 * outcome. The console's transport does the same in the browser (web/src/areas/chat/chat-transport.ts).
 */

/** One Server-Sent Event: its id when it carried one, and its data parsed (`[DONE]` kept as it is). */
export interface StreamEvent {
  readonly id: string | undefined;
  readonly data: Record<string, unknown> | '[DONE]';
}

export interface ReadStream {
  readonly events: StreamEvent[];
  /** The last `id:` seen, which `Last-Event-ID` sends back. */
  readonly lastEventId: string | undefined;
  /** The connection failed (rather than ending cleanly, as a balancer ends one whose node died). */
  readonly isBroken: boolean;
}

/**
 * Every event of an SSE response until it ends, however it ends. A half event at a cut is dropped.
 * `onEvent` sees each as it arrives (a test acts mid-stream: kills the node, drops the connection).
 */
export async function readStream(
  response: Response,
  onEvent?: (event: StreamEvent, events: readonly StreamEvent[]) => void,
): Promise<ReadStream> {
  const events: StreamEvent[] = [];
  let lastEventId: string | undefined;
  let buffered = '';
  const decoder = new TextDecoder();
  const take = (block: string) => {
    let id: string | undefined;
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('id:')) id = line.slice(3).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).trim());
    }
    if (data.length === 0) return;
    if (id !== undefined) lastEventId = id;
    const text = data.join('\n');
    const event: StreamEvent = {
      id,
      data: text === '[DONE]' ? '[DONE]' : (JSON.parse(text) as Record<string, unknown>),
    };
    events.push(event);
    onEvent?.(event, events);
  };
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffered += decoder.decode(chunk, { stream: true });
      for (let end = buffered.indexOf('\n\n'); end >= 0; end = buffered.indexOf('\n\n')) {
        take(buffered.slice(0, end));
        buffered = buffered.slice(end + 2);
      }
    }
    return { events, lastEventId, isBroken: false };
  } catch {
    return { events, lastEventId, isBroken: true };
  }
}

const partsOf = (read: ReadStream) =>
  read.events.flatMap((event) =>
    event.data === '[DONE]' ? [] : [event.data as { type?: string; messageId?: unknown }],
  );

/** A send's UI message stream ended as it should: its `finish` part (whatever the outcome), then `[DONE]`. */
export const hasFinished = (read: ReadStream): boolean =>
  partsOf(read).some((part) => part.type === 'finish') && read.events.at(-1)?.data === '[DONE]';

/** The reply a send's stream is about, from its `start` part. */
export const replyIdOf = (read: ReadStream): string | undefined =>
  partsOf(read).find((part) => part.type === 'start')?.messageId as string | undefined;

export interface FollowedReply {
  /** The reply's frames, across every resumed stream. */
  readonly frames: Record<string, unknown>[];
  /** Its `finished` or `error` frame, or undefined when none came by the deadline. */
  readonly outcome: Record<string, unknown> | undefined;
  /** Streams opened, and answers other than 200 (status or 'unreachable'), in order. */
  readonly attempts: (number | 'unreachable')[];
}

/**
 * Follows a reply through `…/stream` from `lastEventId` until its outcome: each stream that ends
 * without one is opened again from the last id it gave, on the next of `baseUrls` that answers.
 */
export async function followReply(
  baseUrls: () => readonly string[],
  target: { conversationId: string; replyId: string; lastEventId: string | undefined; headers: Record<string, string> },
  deadlineMs = 60_000,
): Promise<FollowedReply> {
  const frames: Record<string, unknown>[] = [];
  const attempts: (number | 'unreachable')[] = [];
  let lastEventId = target.lastEventId;
  const deadline = Date.now() + deadlineMs;
  for (let turn = 0; Date.now() < deadline; turn += 1) {
    const nodes = baseUrls();
    const base = nodes[turn % nodes.length]!;
    const url = `${base}/v1/conversations/${target.conversationId}/messages/${target.replyId}/stream`;
    const response = await fetch(url, {
      headers: { ...target.headers, accept: 'text/event-stream', ...(lastEventId && { 'last-event-id': lastEventId }) },
    }).catch(() => undefined);
    attempts.push(response?.status ?? 'unreachable');
    if (response?.status !== 200) {
      await response?.body?.cancel();
      await new Promise((resolve) => setTimeout(resolve, 200));
      continue;
    }
    const read = await readStream(response);
    lastEventId = read.lastEventId ?? lastEventId;
    for (const event of read.events) {
      if (event.data === '[DONE]') continue;
      frames.push(event.data);
      if (event.data.type === 'finished' || event.data.type === 'error')
        return { frames, outcome: event.data, attempts };
    }
  }
  return { frames, outcome: undefined, attempts };
}
