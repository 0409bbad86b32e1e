/** One Server-Sent Event: its data, and its `id:` when it carried one. */
export interface SseEvent {
  readonly id: string | undefined;
  readonly data: string;
}

/**
 * The events of an SSE response body as they arrive (the parts of the format Parley's server writes:
 * `id:`, `data:` and `:` comment lines, ended by `\n`, events split by a blank line). A half event the body ends in
 * is dropped, as EventSource drops it. A body that fails (the connection dropped) throws its error.
 */
export async function* readSseEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  let id: string | undefined;
  let data: string[] = [];
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffered += decoder.decode(value, { stream: true });
      let end = buffered.indexOf('\n');
      while (end >= 0) {
        const line = buffered.slice(0, end).replace(/\r$/, '');
        buffered = buffered.slice(end + 1);
        if (line === '') {
          if (data.length > 0) yield { id, data: data.join('\n') };
          id = undefined;
          data = [];
        } else if (!line.startsWith(':')) {
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
          if (field === 'data') data.push(value);
          else if (field === 'id') id = value;
        }
        end = buffered.indexOf('\n');
      }
    }
  } finally {
    // Read to its end, or left early: either way the connection is let go.
    await reader.cancel().catch(() => undefined);
  }
}
