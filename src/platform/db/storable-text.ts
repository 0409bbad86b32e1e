/**
 * PostgreSQL's `text` cannot hold U+0000 and `jsonb` refuses the `\u0000` escape, so one NUL in what a
 * model, a tool or a parsed file produced made the whole row fail to store. It carries nothing a reader
 * sees; text from outside Parley drops it before it is written. (What a client sends with one is
 * refused instead: platform/http/nul-guard.ts.)
 */
export function storableText(text: string): string {
  return text.includes('\0') ? text.replaceAll('\0', '') : text;
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
