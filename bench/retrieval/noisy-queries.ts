/**
 * The noisy-query variant of a collection: each query with typos in a third of its words (rounded, at
 * least one), each typo one character dropped, doubled or two neighbours swapped, as people mistype.
 * Seeded by the query's id, so every run and every machine gets the same typos. Only words of three
 * letters or more are mistyped: a typo in "of" or "a" changes nothing a search reads.
 */
export function noisyQuery(id: string, text: string): string {
  const random = seededRandom(hashOf(id));
  const words = text.split(/(\s+)/);
  const eligible = words.flatMap((word, index) => (/^\p{L}{3,}/u.test(word) ? [index] : []));
  const wordCount = words.filter((word) => /\S/.test(word)).length;
  const typos = Math.min(eligible.length, Math.max(1, Math.round(wordCount / 3)));
  for (let picked = 0; picked < typos; picked += 1) {
    const [index] = eligible.splice(Math.floor(random() * eligible.length), 1);
    words[index!] = mistype(words[index!]!, random);
  }
  return words.join('');
}

function mistype(word: string, random: () => number): string {
  // The letters of the word (not a trailing comma or period), a typo falls within them.
  const letters = /^\p{L}+/u.exec(word)![0].length;
  const at = Math.floor(random() * (letters - 1));
  const kind = Math.floor(random() * 3);
  if (kind === 0) return word.slice(0, at) + word.slice(at + 1);
  if (kind === 1) return word.slice(0, at + 1) + word.slice(at);
  return word.slice(0, at) + word[at + 1]! + word[at]! + word.slice(at + 2);
}

/** mulberry32: a small, well-spread 32-bit generator, enough for picking typos. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

function hashOf(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
