import { decode, encode } from 'gpt-tokenizer/encoding/o200k_base';
import { countTokens, countTokensUpTo } from './count-tokens.js';

/** A piece of text with its token count, measured once. */
export interface MeasuredText {
  readonly text: string;
  readonly tokens: number;
  /** A later slice of a word cut on characters: joined to the piece before it without a space. */
  readonly continuesWord?: boolean;
}

// After terminal punctuation (and any closing quote or bracket) followed by whitespace; after CJK full
// stops even without whitespace. Abbreviations ("e.g. this") split too: harmless for retrieval.
const sentenceBoundary = /(?<=[.!?…]["'”’)\]]*)\s+|(?<=[。！？])/u;

/**
 * `text` cut into pieces of at most `maxTokens` each: on sentence boundaries, a sentence that is still
 * too long on words, a word that is still too long (a URL, base64) on characters. Pieces are meant
 * to be joined again with single spaces (slices of one word without).
 */
export function splitProse(text: string, maxTokens: number): MeasuredText[] {
  const pieces: MeasuredText[] = [];
  for (const sentence of text.split(sentenceBoundary)) {
    if (sentence.trim() === '') continue;
    // Only whether it fits is asked: counting a long text with no spaces in full is quadratic in its
    // length (BPE over one piece; 180 KB took over a minute), while the bounded count stops early.
    const tokens = countTokensUpTo(sentence, maxTokens);
    if (tokens !== null) pieces.push({ text: sentence, tokens });
    else pieces.push(...packWords(sentence, maxTokens));
  }
  return pieces;
}

/** Words packed greedily into runs of at most maxTokens; an over-long word is sliced on characters. */
function packWords(sentence: string, maxTokens: number): MeasuredText[] {
  const pieces: MeasuredText[] = [];
  let run = '';
  let runTokens = 0;
  for (const word of sentence.split(/\s+/)) {
    if (word === '') continue;
    const wordTokens = countTokensUpTo(` ${word}`, maxTokens);
    if (wordTokens === null) {
      if (run !== '') pieces.push({ text: run, tokens: countTokens(run) });
      run = '';
      runTokens = 0;
      pieces.push(...sliceCharacters(word, maxTokens));
    } else if (run !== '' && runTokens + wordTokens > maxTokens) {
      pieces.push({ text: run, tokens: countTokens(run) });
      run = word;
      runTokens = wordTokens;
    } else {
      run = run === '' ? word : `${run} ${word}`;
      runTokens += wordTokens;
    }
  }
  if (run !== '') pieces.push({ text: run, tokens: countTokens(run) });
  // Word counts are summed with their leading space; the real count of a run can differ by a token or two.
  return pieces.flatMap((piece) => (piece.tokens <= maxTokens ? [piece] : sliceCharacters(piece.text, maxTokens)));
}

function sliceCharacters(text: string, maxTokens: number): MeasuredText[] {
  const pieces: MeasuredText[] = [];
  let rest = text;
  while (rest !== '') {
    // One character is at least one token's worth only for ASCII; shrink until the count fits.
    let length = Math.min(rest.length, maxTokens * 4);
    let slice = rest.slice(0, length);
    let tokens = countTokens(slice);
    while (tokens > maxTokens && length > 1) {
      length = Math.max(1, Math.floor(length * 0.7));
      slice = rest.slice(0, length);
      tokens = countTokens(slice);
    }
    pieces.push(pieces.length === 0 ? { text: slice, tokens } : { text: slice, tokens, continuesWord: true });
    rest = rest.slice(length);
  }
  return pieces;
}

/**
 * The end of `text` to repeat at the start of the next chunk: its last ~maxTokens tokens, moved forward
 * to the first sentence or line start inside them (else the first word start), so the overlap reads
 * as whole sentences. Null when nothing sensible is left.
 */
export function overlapTail(text: string, maxTokens: number): MeasuredText | null {
  if (maxTokens <= 0) return null;
  // Only the end matters: encode a suffix comfortably longer than maxTokens tokens, not the whole chunk.
  const suffix = text.length > maxTokens * 16 ? text.slice(-maxTokens * 16) : text;
  const tokens = encode(suffix, { disallowedSpecial: new Set() });
  if (tokens.length <= maxTokens) return null;
  const rough = decode(tokens.slice(-maxTokens));
  const boundary = /(?:[.!?…。！？]["'”’)\]]*\s+|\n+)(?=\S)/u.exec(rough);
  let tail: string;
  if (boundary !== null) tail = rough.slice(boundary.index + boundary[0].length);
  else {
    const space = rough.search(/\s\S/);
    if (space === -1) return null;
    tail = rough.slice(space + 1);
  }
  tail = tail.trim();
  if (tail === '') return null;
  const tailTokens = countTokens(tail);
  return tailTokens <= maxTokens ? { text: tail, tokens: tailTokens } : null;
}
