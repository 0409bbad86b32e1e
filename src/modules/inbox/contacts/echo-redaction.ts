/** How long a run of a contact's words must be, in characters, to count as repeated in a reply. */
export const echoMinChars = 12;
export const redactedEcho = '[erased]';

/**
 * `reply` with every run of at least `echoMinChars` characters that also appears in one of `spoken`
 * (case aside) put as `[erased]`: what an erasure leaves of an AI reply that repeated the contact ("I
 * couldn't find anything about "9 Quincewood Lane…""). Shorter runs are left: at twelve characters a shared
 * run is rarely chance, and an erasure that takes a common phrase too loses little.
 */
export function withoutEchoes(reply: string, spoken: readonly string[]): string {
  // Case-folding that changes a text's length (rare letters) would shift positions: then compare as is.
  const fold = (text: string) => (text.toLowerCase().length === text.length ? text.toLowerCase() : text);
  const haystack = fold(reply);
  const windows = new Set<string>();
  for (const text of spoken.map(fold)) {
    for (let at = 0; at + echoMinChars <= text.length; at += 1) windows.add(text.slice(at, at + echoMinChars));
  }
  if (windows.size === 0) return reply;
  const marked = new Array<boolean>(reply.length).fill(false);
  for (let at = 0; at + echoMinChars <= haystack.length; at += 1) {
    if (windows.has(haystack.slice(at, at + echoMinChars))) marked.fill(true, at, at + echoMinChars);
  }
  let redacted = '';
  for (let at = 0; at < reply.length; at += 1) {
    if (!marked[at]) redacted += reply[at];
    else if (at === 0 || !marked[at - 1]) redacted += redactedEcho;
  }
  return redacted;
}
