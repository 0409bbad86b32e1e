import { EventSourceParserStream } from 'eventsource-parser/stream';
import { describe, expect, it } from 'vitest';
import { createEventDataReader } from './chat-completions-events.js';

/** The events' data as the AI SDK reads them: bytes → TextDecoderStream → EventSourceParserStream. */
async function dataAsTheSdkReadsIt(pieces: readonly Uint8Array<ArrayBuffer>[]): Promise<string[]> {
  const events = new ReadableStream<BufferSource>({
    start(controller) {
      for (const piece of pieces) controller.enqueue(piece);
      controller.close();
    },
  })
    .pipeThrough(new TextDecoderStream())
    .pipeThrough(new EventSourceParserStream());
  const data: string[] = [];
  for await (const event of events) data.push(event.data);
  return data;
}

function dataAsTheLeanStreamReadsIt(pieces: readonly Uint8Array<ArrayBuffer>[]): string[] {
  const data: string[] = [];
  const reader = createEventDataReader((event) => data.push(event));
  const decoder = new TextDecoder();
  for (const piece of pieces) reader.read(decoder.decode(piece, { stream: true }));
  reader.read(decoder.decode());
  return data;
}

/** The bytes cut at every position, and into single bytes: where a server's writes happen to end. */
function cuts(text: string): Uint8Array<ArrayBuffer>[][] {
  const bytes = new TextEncoder().encode(text);
  const ways = [[bytes], Array.from(bytes, (byte) => Uint8Array.of(byte))];
  for (let at = 1; at < bytes.length; at += 1) ways.push([bytes.subarray(0, at), bytes.subarray(at)]);
  return ways;
}

const streams: Record<string, string> = {
  'OpenAI-style events': 'data: {"a":1}\n\ndata: {"b":2}\n\ndata: [DONE]\n\n',
  'CRLF and lone CR line ends': 'data: {"a":1}\r\n\r\ndata: {"b":2}\r\rdata:{"c":3}\r\n\n',
  'CRLF between the lines of one event': 'data: {"a":\r\ndata: 1}\r\n\r\n',
  'no space after the colon, and two spaces': 'data:{"a":1}\n\ndata:  {"b":2}\n\n',
  'data over several lines': 'data: {"a":\ndata: 1}\n\n',
  'comments, event names, ids, retries and unknown fields':
    ': ping\nevent: chunk\nid: 7\nretry: 10\nfoo: bar\ndata: x\n\n',
  'a data field without a colon, and an event with no data': 'data\n\nevent: empty\n\ndata: y\n\n',
  'a last event without its blank line': 'data: {"a":1}\n\ndata: {"b":2}\n',
  'several characters of more than one byte': 'data: {"t":"héllo wörld — 你好 👋"}\n\n',
  'a byte-order mark first': '\uFEFFdata: {"a":1}\n\n',
  'a byte-order mark read as Latin-1 first': '\u00EF\u00BB\u00BFdata: {"a":1}\n\n',
  'a field name with a space before its colon': 'data : nope\ndata: yes\n\n',
};

describe('the data of server-sent events', () => {
  it.each(Object.entries(streams))('is read as the SDK reads it: %s, however the bytes are cut', async (_, text) => {
    for (const pieces of cuts(text)) {
      expect(dataAsTheLeanStreamReadsIt(pieces)).toEqual(await dataAsTheSdkReadsIt(pieces));
    }
  });

  it('hands over each event as soon as its blank line arrives', () => {
    const data: string[] = [];
    const reader = createEventDataReader((event) => data.push(event));
    reader.read('data: {"a"');
    reader.read(':1}\n');
    expect(data).toEqual([]);
    reader.read('\ndata: [DONE]\n\n');
    expect(data).toEqual(['{"a":1}', '[DONE]']);
  });
});
