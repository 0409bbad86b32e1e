import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { Actor } from '../../../access/actor.js';
import { decodeCursor, type PageCursor } from '../../../platform/db/pagination.js';
import type { SearchHit } from '../../knowledge/index.js';
import { searchModes } from '../../knowledge/retrieval/knowledge-search.types.js';
import { searchedInsteadSentence } from '../../knowledge/retrieval/query-correction.js';
import type { ParleyToolDeps, ToolContext } from './parley-tools.types.js';
import { answerOrRefuse, toolAnswer } from './tool-result.js';

const maxTopK = 20;
const maxNamedSources = 50;
/** Without sourceIds every source of the tenant is searched; past this many, the newest ones. */
const maxSearchedSources = 1000;

const inputSchema = {
  query: z.string().trim().min(1, 'must not be empty').max(2000, 'must be at most 2000 characters'),
  sourceIds: z
    .array(z.uuid('must be knowledge source ids (UUIDs)'))
    .min(1)
    .max(maxNamedSources)
    .optional()
    .describe('Knowledge sources to search; all sources of your tenant when omitted'),
  topK: z.number().int().min(1).max(maxTopK).default(8).describe(`How many passages to return (at most ${maxTopK})`),
  mode: z.enum(searchModes).default('hybrid').describe('hybrid (default), lexical (words) or vector (meaning)'),
  correct: z
    .boolean()
    .default(true)
    .describe('false searches the words exactly as written; by default a misspelled word is also read as corrected'),
};

const passageSchema = z.object({
  sourceId: z.string(),
  documentId: z.string(),
  documentTitle: z.string(),
  page: z.number().nullable(),
  headingPath: z.array(z.string()),
  score: z.number(),
  content: z.string(),
});
const outputSchema = {
  /** What the search read instead of the words as written ("pasword" → "password"); empty when nothing. */
  corrections: z.array(z.object({ from: z.string(), to: z.string() })),
  passages: z.array(passageSchema),
};

/**
 * Every member sees every knowledge source of the tenant (sources are not owned), so "the sources the
 * key's user can see" is all of them; named ones are checked one by one so an unknown or foreign id is
 * a sentence, not a silently empty result.
 */
async function sourcesToSearch(
  actor: Actor,
  deps: ParleyToolDeps,
  sourceIds: readonly string[] | undefined,
): Promise<string[]> {
  if (sourceIds) {
    await Promise.all(sourceIds.map((id) => deps.sources.findSource(actor, id)));
    return [...new Set(sourceIds)];
  }
  const ids: string[] = [];
  let cursor: PageCursor | undefined;
  do {
    const page = await deps.sources.list(actor, { limit: 100, cursor });
    ids.push(...page.items.map((source) => source.id));
    cursor = page.nextCursor ? decodeCursor(page.nextCursor) : undefined;
  } while (cursor && ids.length < maxSearchedSources);
  return ids;
}

function describePassage(hit: SearchHit, index: number): string {
  const where = [hit.documentTitle, hit.page !== null ? `page ${hit.page}` : undefined, hit.headingPath.join(' › ')]
    .filter(Boolean)
    .join(', ');
  return `[${index + 1}] ${where} (score ${hit.score.toFixed(3)})\n${hit.content}`;
}

export function registerSearchKnowledgeTool(server: McpServer, { actor, deps }: ToolContext): void {
  server.registerTool(
    'search_knowledge',
    {
      title: 'Search knowledge',
      description:
        "Searches the knowledge sources of your Parley tenant and returns the best passages, each with its document, page and score. The same search Parley's agents answer from.",
      inputSchema,
      outputSchema,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    (input, extra) =>
      answerOrRefuse(deps.logger, 'search_knowledge', async () => {
        const sourceIds = await sourcesToSearch(actor, deps, input.sourceIds);
        const { hits, corrections } = await deps.knowledgeSearch.searchExplained(
          {
            tenantId: actor.tenantId,
            sourceIds,
            query: input.query,
            topK: input.topK,
            mode: input.mode,
            correct: input.correct,
          },
          extra.signal,
        );
        const passages = hits.map((hit) => ({
          sourceId: hit.sourceId,
          documentId: hit.documentId,
          documentTitle: hit.documentTitle,
          page: hit.page,
          headingPath: [...hit.headingPath],
          score: hit.score,
          content: hit.content,
        }));
        const found =
          hits.length === 0
            ? sourceIds.length === 0
              ? 'Your tenant has no knowledge sources yet; an administrator adds them in Parley.'
              : `No passage matched "${input.query}" in the searched knowledge sources.`
            : hits.map(describePassage).join('\n\n');
        // The model reads what was searched instead before the passages it explains.
        const searchedInstead = searchedInsteadSentence(corrections);
        const text = searchedInstead
          ? `${searchedInstead} Call again with correct: false to search as written.\n\n${found}`
          : found;
        return toolAnswer(text, { corrections: corrections.map(({ from, to }) => ({ from, to })), passages });
      }),
  );
}
