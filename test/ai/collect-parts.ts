import type { TextStreamPart, ToolSet } from 'ai';

export type StreamPart = TextStreamPart<ToolSet>;

/** Reads a whole `fullStream`, so a test can assert the order and kinds of parts. */
export async function collectParts(stream: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
  const parts: StreamPart[] = [];
  for await (const part of stream) parts.push(part);
  return parts;
}

export function textDeltas(parts: readonly StreamPart[]): string[] {
  return parts.flatMap((part) => (part.type === 'text-delta' ? [part.text] : []));
}

export function reasoningDeltas(parts: readonly StreamPart[]): string[] {
  return parts.flatMap((part) => (part.type === 'reasoning-delta' && part.text !== '' ? [part.text] : []));
}
