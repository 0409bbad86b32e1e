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

/** What a model call that must fail threw; a call that succeeds fails the test. */
export async function errorOf(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error('expected the model call to fail');
}
