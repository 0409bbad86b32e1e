/**
 * What PostgreSQL refuses to store, although JavaScript strings can hold it:
 * - U+0000: `text` cannot hold it and `jsonb` refuses the `\u0000` escape;
 * - a lone UTF-16 surrogate (half of a pair, e.g. from a string cut in the middle of an emoji):
 *   `JSON.stringify` writes it as a `\ud800` escape, which `jsonb` refuses, and in `text` the drivers
 *   silently turn it into U+FFFD.
 * One of them in what a model, a tool or a parsed file produced made the whole row fail to store.
 * Neither carries anything a reader sees, so text from outside Parley drops the NUL and turns a lone
 * surrogate into U+FFFD before it is written. (What a client sends with one is refused instead:
 * platform/http/unstorable-input-guard.ts.)
 */
const loneSurrogates = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** The name of what PostgreSQL cannot store in `text`, if `text` holds it. */
export function unstorableCharacter(text: string): string | undefined {
  if (text.includes('\0')) return 'the NUL character (U+0000)';
  if (text.search(loneSurrogates) !== -1) return 'half of a UTF-16 surrogate pair (not valid Unicode)';
  return undefined;
}

export function storableText(text: string): string {
  const withoutNul = text.includes('\0') ? text.replaceAll('\0', '') : text;
  return withoutNul.replace(loneSurrogates, '\ufffd');
}

/** The same for a JSON value (a tool call's input or output): every string in it, keys included. */
export function storableJson<T>(value: T): T {
  return clean(value) as T;
}

function clean(value: unknown): unknown {
  if (typeof value === 'string') return storableText(value);
  if (Array.isArray(value)) return value.map(clean);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [storableText(key), clean(item)]));
}
