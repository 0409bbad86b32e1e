import { z } from 'zod';
import { searchedInsteadSentence } from '../../knowledge/retrieval/query-correction.js';
import type { PassageSearch } from '../turn/turn-knowledge.js';

/** A tool Parley runs itself. `execute` throws an Error whose message the model is shown. */
export interface BuiltinTool {
  readonly name: string;
  readonly description: string;
  readonly inputSchema: Record<string, unknown>;
  readonly execute: (input: unknown, signal: AbortSignal) => Promise<unknown>;
  /**
   * Set on a tool that ends the reply (handing the conversation to a person): once it answers, the model
   * is not called again, and the reply ends with this line.
   */
  readonly closingLine?: string;
}

export interface BuiltinToolContext {
  readonly tenantId: string;
  /** The agent's own sources: search_knowledge never reads any other. */
  readonly knowledgeSourceIds: readonly string[];
  readonly knowledgeSearch: PassageSearch | undefined;
  readonly now: () => Date;
}

const maxTopK = 20;
const defaultTopK = 6;

const searchInput = z.object({
  query: z.string().trim().min(1, 'query must not be empty').max(2000),
  topK: z.number().int().min(1).max(maxTopK).optional(),
  correct: z.boolean().optional(),
});

const timeInput = z.object({ timeZone: z.string().max(100).optional() });

/** The model's arguments, checked; a bad one is an error the model reads and can correct. */
function parsed<T>(schema: z.ZodType<T>, input: unknown, toolName: string): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new Error(
    `Invalid arguments for ${toolName}: ${issue?.path.join('.') || 'input'} ${issue?.message ?? ''}`.trim(),
  );
}

function searchKnowledge(context: BuiltinToolContext): BuiltinTool {
  return {
    name: 'search_knowledge',
    description:
      "Searches this agent's knowledge sources and returns the most relevant passages, each with its document title and page.",
    inputSchema: {
      type: 'object',
      properties: {
        query: { type: 'string', description: 'What to look for, in words' },
        topK: { type: 'integer', minimum: 1, maximum: maxTopK, description: 'How many passages (default 6)' },
        correct: {
          type: 'boolean',
          description: 'false searches the words exactly as written; by default a misspelled word is also read as corrected',
        },
      },
      required: ['query'],
      additionalProperties: false,
    },
    async execute(input, signal) {
      const { query, topK, correct } = parsed(searchInput, input, 'search_knowledge');
      if (context.knowledgeSourceIds.length === 0 || !context.knowledgeSearch) {
        return { passages: [], note: 'This agent has no knowledge sources to search.' };
      }
      const { hits, corrections } = await context.knowledgeSearch.searchExplained(
        {
          tenantId: context.tenantId,
          sourceIds: context.knowledgeSourceIds,
          query,
          topK: topK ?? defaultTopK,
          mode: 'hybrid',
          ...(correct === false && { correct }),
        },
        signal,
      );
      // What was read instead of the words as written, so the model can say so or search again as written.
      const searchedInstead = searchedInsteadSentence(corrections);
      return {
        ...(searchedInstead && { searchedInstead: `${searchedInstead} Set correct to false to search as written.` }),
        ...(corrections.length > 0 && { corrections }),
        passages: hits.map((hit) => ({
          documentTitle: hit.documentTitle,
          page: hit.page,
          headingPath: hit.headingPath,
          content: hit.content,
        })),
      };
    },
  };
}

const isTimeZone = (timeZone: string): boolean => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
};

function currentTime(context: BuiltinToolContext): BuiltinTool {
  return {
    name: 'current_time',
    description: 'Returns the current date and time (ISO 8601), in the given IANA time zone or UTC.',
    inputSchema: {
      type: 'object',
      properties: {
        timeZone: { type: 'string', description: "An IANA time zone such as 'Europe/Paris'; UTC if omitted" },
      },
      additionalProperties: false,
    },
    async execute(input) {
      const { timeZone = 'UTC' } = parsed(timeInput, input, 'current_time');
      if (!isTimeZone(timeZone)) {
        throw new Error(`Unknown time zone '${timeZone}'; use an IANA name such as 'Europe/Paris' or 'UTC'`);
      }
      const now = context.now();
      const local = new Intl.DateTimeFormat('en-CA', {
        timeZone,
        dateStyle: 'full',
        timeStyle: 'long',
        hourCycle: 'h23',
      }).format(now);
      return { iso: now.toISOString(), timeZone, local };
    },
  };
}

/** The built-in tools by key (`builtin:<name>`), for one turn. */
export function builtinToolsFor(context: BuiltinToolContext): ReadonlyMap<string, BuiltinTool> {
  return new Map([
    ['builtin:search_knowledge', searchKnowledge(context)],
    ['builtin:current_time', currentTime(context)],
  ]);
}
