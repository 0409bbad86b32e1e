/**
 * A stream's dictionary as pdf.js reads it: its top-level entries only, with strings, nested
 * dictionaries and arrays read whole, so a `/F` written inside a string or a nested dictionary is not
 * taken for the stream's filter, and a dictionary holding the text "obj" or longer than a few kilobytes
 * is still found. Lexing, not regular expressions: every byte is looked at a bounded number of times.
 */

/** How far back from `stream` the object's `obj` keyword is looked for. */
const objectLookBehind = 64 * 1024;
/** How many `obj` keywords before a stream are tried as the start of its object (decoys in strings). */
const objectCandidates = 16;

const whiteSpace = new Set([0x00, 0x09, 0x0a, 0x0c, 0x0d, 0x20]);
const delimiters = new Set([0x28, 0x29, 0x3c, 0x3e, 0x5b, 0x5d, 0x7b, 0x7d, 0x2f, 0x25]);

export interface StreamDictionary {
  /** Top-level keys with `#xx` escapes read (as pdf.js reads names), and their values' text. */
  readonly entries: ReadonlyMap<string, string>;
}

/** Characters the reader may look at, per character of the file: real files need a fraction of one. */
const readsPerCharacter = 16;

/**
 * Finds stream dictionaries in one file's text. Each call reads the dictionary of the stream whose
 * `stream` keyword is at `keyword`: the one that starts after an `obj` keyword before it and ends,
 * past blank space and comments, right at the keyword; undefined when none does (the caller then
 * measures the stream as if its filters were unknown). A file built to make that search read the same
 * bytes over and over (thousands of `stream` keywords after one long dictionary) runs out of reads,
 * and `exhausted` is thrown.
 */
export function streamDictionaryReader(text: string, exhausted: () => Error) {
  let reads = readsPerCharacter * text.length + 1024 * 1024;
  return (keyword: number): StreamDictionary | undefined => {
    const floor = Math.max(0, keyword - objectLookBehind);
    let candidate = keyword;
    for (let tries = 0; tries < objectCandidates; tries += 1) {
      candidate = text.lastIndexOf('obj', candidate - 1);
      if (candidate < floor) return undefined;
      reads -= keyword - candidate;
      if (reads < 0) throw exhausted();
      const start = skipBlank(text, candidate + 3, keyword);
      if (!text.startsWith('<<', start)) continue;
      const read = readNestedSafely(() => readDictionary(text, start, keyword));
      if (read && skipBlank(text, read.end, keyword) === keyword) return { entries: read.entries };
    }
    return undefined;
  };
}

/** Nesting deep enough to end the stack is no dictionary pdf.js would read either. */
function readNestedSafely<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch (error) {
    if (error instanceof RangeError) return undefined;
    throw error;
  }
}

/** Past white space and comments, stopping at `limit`. */
function skipBlank(text: string, from: number, limit: number): number {
  let at = from;
  while (at < limit) {
    const code = text.charCodeAt(at);
    if (whiteSpace.has(code)) at += 1;
    else if (code === 0x25) at = lineEnd(text, at, limit);
    else break;
  }
  return at;
}

function lineEnd(text: string, from: number, limit: number): number {
  let at = from;
  while (at < limit && text[at] !== '\n' && text[at] !== '\r') at += 1;
  return at;
}

/** The dictionary `<<…>>` at `start`: its top-level entries and the position after `>>`. */
function readDictionary(
  text: string,
  start: number,
  limit: number,
): { entries: Map<string, string>; end: number } | undefined {
  const entries = new Map<string, string>();
  let at = start + 2;
  for (;;) {
    at = skipBlank(text, at, limit);
    if (at >= limit) return undefined;
    if (text.startsWith('>>', at)) return { entries, end: at + 2 };
    if (text[at] !== '/') return undefined;
    const keyEnd = tokenEnd(text, at + 1, limit);
    const key = readName(text.slice(at, keyEnd));
    const valueStart = skipBlank(text, keyEnd, limit);
    const valueEnd = valueEndAt(text, valueStart, limit);
    if (valueEnd === undefined) return undefined;
    entries.set(key, text.slice(valueStart, valueEnd));
    at = valueEnd;
  }
}

/**
 * Where the value at `start` ends: a name, number or keyword; a string, hex string, array or
 * dictionary read whole; or a reference `n g R`, which is three tokens.
 */
function valueEndAt(text: string, start: number, limit: number): number | undefined {
  if (start >= limit) return undefined;
  const code = text.charCodeAt(start);
  if (text.startsWith('<<', start)) return readDictionary(text, start, limit)?.end;
  if (code === 0x28) return stringEnd(text, start, limit);
  if (code === 0x3c) {
    const close = text.indexOf('>', start);
    return close < 0 || close >= limit ? undefined : close + 1;
  }
  if (code === 0x5b) return arrayEnd(text, start, limit);
  if (code === 0x2f) return tokenEnd(text, start + 1, limit);
  if (delimiters.has(code)) return undefined;
  const first = tokenEnd(text, start, limit);
  // `9 0 R`: a reference is two numbers and R, one value.
  const second = skipBlank(text, first, limit);
  const secondEnd = tokenEnd(text, second, limit);
  const third = skipBlank(text, secondEnd, limit);
  const isReference =
    /^\d+$/.test(text.slice(start, first)) &&
    /^\d+$/.test(text.slice(second, secondEnd)) &&
    text[third] === 'R' &&
    tokenEnd(text, third, limit) === third + 1;
  return isReference ? third + 1 : first;
}

function arrayEnd(text: string, start: number, limit: number): number | undefined {
  let at = start + 1;
  for (;;) {
    at = skipBlank(text, at, limit);
    if (at >= limit) return undefined;
    if (text[at] === ']') return at + 1;
    const end = valueEndAt(text, at, limit);
    if (end === undefined || end === at) return undefined;
    at = end;
  }
}

/** A literal string `(…)`: balanced parentheses, and a backslash escapes the character after it. */
function stringEnd(text: string, start: number, limit: number): number | undefined {
  let depth = 0;
  for (let at = start; at < limit; at += 1) {
    const character = text[at];
    if (character === '\\') at += 1;
    else if (character === '(') depth += 1;
    else if (character === ')') {
      depth -= 1;
      if (depth === 0) return at + 1;
    }
  }
  return undefined;
}

/** The end of a run of regular characters (not white space, not a delimiter). */
function tokenEnd(text: string, from: number, limit: number): number {
  let at = from;
  while (at < limit) {
    const code = text.charCodeAt(at);
    if (whiteSpace.has(code) || delimiters.has(code)) break;
    at += 1;
  }
  return at;
}

/** A name as pdf.js reads it: `#xx` is the byte it spells ("/Fl#61teDecode" is Flate). */
export function readName(name: string): string {
  return name.replace(/#([0-9a-fA-F]{2})/g, (_escape, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}
