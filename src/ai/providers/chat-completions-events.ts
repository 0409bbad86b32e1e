/**
 * The `data` of each server-sent event in a streamed Chat Completions response, in the order the server
 * sent them (ADR 28). It reads what the AI SDK's `EventSourceParserStream` (eventsource-parser) reads,
 * without its stream stages per chunk: lines end in LF, CRLF or CR; a `data:` field (one space after the
 * colon dropped) adds a line to the event's data, joined by LF; a blank line ends the event, sent on only
 * when it had data; comments, `event:`, `id:`, `retry:` and unknown fields are skipped; an event the
 * stream ends in the middle of is never sent (the SDK's parser has no flush either). The text comes from
 * a `TextDecoder`, which has already dropped a byte-order mark, as the SDK's `TextDecoderStream` does.
 */
export interface EventDataReader {
  /** Reads the next piece of decoded text, calling `onData` for each event it completes. */
  read(text: string): void;
}

const lineFeed = '\n';
const carriageReturn = '\r';
/** A UTF-8 byte-order mark read as three Latin-1 characters, which eventsource-parser drops as well. */
const misreadByteOrderMark = '\u00ef\u00bb\u00bf';

export function createEventDataReader(onData: (data: string) => void): EventDataReader {
  /** What arrived after the last complete line; one piece in the usual case, joined when a line ends. */
  const pending: string[] = [];
  let data = '';
  let dataLines = 0;
  let isFirstText = true;

  const readLine = (line: string): void => {
    if (line === '') {
      if (dataLines > 0) onData(data);
      data = '';
      dataLines = 0;
      return;
    }
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    if (field !== 'data') return;
    const valueStart = colon === -1 ? line.length : line.charCodeAt(colon + 1) === 32 ? colon + 2 : colon + 1;
    const value = line.slice(valueStart);
    data = dataLines === 0 ? value : `${data}\n${value}`;
    dataLines += 1;
  };

  /** Reads every complete line of `input`; returns what is left after the last one. */
  const readLines = (input: string): string => {
    let start = 0;
    if (!input.includes(carriageReturn)) {
      for (let end = input.indexOf(lineFeed); end !== -1; end = input.indexOf(lineFeed, start)) {
        readLine(input.slice(start, end));
        start = end + 1;
      }
      return input.slice(start);
    }
    while (start < input.length) {
      const cr = input.indexOf(carriageReturn, start);
      const lf = input.indexOf(lineFeed, start);
      // A CR that ends the text may be the first half of a CRLF whose LF is still to come: wait for it.
      const end = cr === -1 ? lf : lf === -1 ? (cr === input.length - 1 ? -1 : cr) : Math.min(cr, lf);
      if (end === -1) break;
      readLine(input.slice(start, end));
      start = end + 1;
      if (input.charCodeAt(end) === 13 && input.charCodeAt(start) === 10) start += 1;
    }
    return input.slice(start);
  };

  return {
    read(text) {
      let input = text;
      if (isFirstText && input !== '') {
        isFirstText = false;
        if (input.startsWith(misreadByteOrderMark)) input = input.slice(misreadByteOrderMark.length);
      }
      const hasLineEnd = input.includes(lineFeed) || input.includes(carriageReturn);
      if (!hasLineEnd) {
        if (input !== '') pending.push(input);
        return;
      }
      pending.push(input);
      const rest = readLines(pending.length === 1 ? input : pending.join(''));
      pending.length = 0;
      if (rest !== '') pending.push(rest);
    },
  };
}
