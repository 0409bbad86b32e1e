import type { ToolOutcome } from '../../platform/db/schema/mcp.js';

/** One item of a tool's result as the MCP SDK gives it (text, image, audio, resource…), passed through. */
export type ToolContentItem = { readonly type: string } & Record<string, unknown>;

export interface ToolExecutionResult {
  readonly content: ToolContentItem[];
  readonly isError: boolean;
  readonly truncated: boolean;
  readonly durationMs: number;
  readonly outcome: ToolOutcome;
}

export interface BoundedContent {
  readonly content: ToolContentItem[];
  readonly truncated: boolean;
  /** The size of the whole result before truncation, for the execution log. */
  readonly resultBytes: number;
}

const byteLength = (value: unknown): number => Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');

/**
 * Keeps a result within `maxBytes`: text is cut at the bound (on a character boundary), items that no longer
 * fit are left out, and a last text item says so, because a model or a person reading a cut result must know.
 */
export function boundContent(items: readonly ToolContentItem[], maxBytes: number): BoundedContent {
  const resultBytes = byteLength(items);
  if (resultBytes <= maxBytes) return { content: [...items], truncated: false, resultBytes };
  const kept: ToolContentItem[] = [];
  let budget = maxBytes;
  for (const item of items) {
    const size = byteLength(item);
    if (size <= budget) {
      kept.push(item);
      budget -= size;
    } else if (item.type === 'text' && typeof item.text === 'string' && budget > 64) {
      kept.push({ ...item, text: cutUtf8(item.text, budget - 64) });
      budget = 0;
    } else {
      budget = 0;
    }
    if (budget === 0) break;
  }
  kept.push({
    type: 'text',
    text: `[Result truncated: it was ${resultBytes} bytes; only the first ${maxBytes} bytes are shown.]`,
  });
  return { content: kept, truncated: true, resultBytes };
}

function cutUtf8(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  // Decoding a cut multi-byte sequence yields U+FFFD; dropping it keeps the text honest.
  return bytes
    .subarray(0, maxBytes)
    .toString('utf8')
    .replace(/\uFFFD$/, '');
}
