/** A server-sent event's data, parsed; `[DONE]` kept as the string it is. */
export type StreamEvent = Record<string, unknown> & { type?: string };

/**
 * Every event of an SSE response until it ends, however it ends: a node killed mid-stream, or a
 * balancer ending it cleanly, shows only as the events that are missing (the caller judges that).
 */
export async function readEvents(response: Response): Promise<{ events: (StreamEvent | '[DONE]')[]; broken: boolean }> {
  const events: (StreamEvent | '[DONE]')[] = [];
  const decoder = new TextDecoder();
  let buffered = '';
  const take = (block: string) => {
    for (const line of block.split('\n')) {
      if (!line.startsWith('data:')) continue;
      const data = line.slice(5).trim();
      if (data === '[DONE]') events.push('[DONE]');
      else if (data) {
        try {
          events.push(JSON.parse(data) as StreamEvent);
        } catch {
          // Half an event, cut with its connection: nothing a client can use.
        }
      }
    }
  };
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffered += decoder.decode(chunk, { stream: true });
      let end = buffered.indexOf('\n\n');
      while (end >= 0) {
        take(buffered.slice(0, end));
        buffered = buffered.slice(end + 2);
        end = buffered.indexOf('\n\n');
      }
    }
    return { events, broken: false };
  } catch {
    return { events, broken: true };
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Follows a reply through `GET …/messages/:id/stream` on whichever node answers until its outcome (a
 * `finished` or `error` frame) arrives, as a client whose stream was cut does; the outcome's frame type,
 * or undefined if none came by `deadline`.
 */
export async function followReply(
  base: string,
  conversationId: string,
  replyId: string,
  headers: Record<string, string>,
  deadline: number,
): Promise<'finished' | 'error' | undefined> {
  while (Date.now() < deadline) {
    const response = await fetch(`${base}/v1/conversations/${conversationId}/messages/${replyId}/stream`, {
      headers: { ...headers, accept: 'text/event-stream' },
      signal: AbortSignal.timeout(Math.max(1, deadline - Date.now())),
    }).catch(() => undefined);
    if (response?.status === 200) {
      const { events } = await readEvents(response);
      for (const event of events) {
        if (event !== '[DONE]' && (event.type === 'finished' || event.type === 'error')) return event.type;
      }
    } else {
      await response?.body?.cancel();
    }
    await pause(300);
  }
  return undefined;
}
