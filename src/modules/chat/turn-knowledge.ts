import { citedMarkers, formatPassagesBlock } from '../../ai/passages-prompt.js';
import type { StoredCitation } from '../../platform/db/schema/index.js';
import { AppError } from '../../platform/errors.js';
import type { KnowledgeSearch, SearchHit } from '../knowledge/retrieval/knowledge-search.types.js';
import type { TurnError } from './chat-events.js';

/** The one search the query endpoint uses too (knowledge/retrieval), narrowed to what a turn calls. */
export type PassageSearch = Pick<KnowledgeSearch, 'search'>;

/** Enough passages to answer most questions without crowding the model's context. */
export const passagesPerTurn = 6;
const excerptMaxChars = 600;

/** What an agent's knowledge adds to a turn: a system block for the model and the passages as citations. */
export interface TurnKnowledge {
  readonly systemBlock: string;
  /** Every retrieved passage, marker n being the [n] the model was told to cite. */
  readonly citations: readonly StoredCitation[];
}

export interface KnowledgeQuery {
  /** The actor's tenant: the search reads only this tenant's chunks, whatever source ids it is given. */
  readonly tenantId: string;
  readonly sourceIds: readonly string[];
  /** The user's message, as they wrote it. */
  readonly query: string;
  readonly signal?: AbortSignal;
}

/** Hybrid search over the agent's sources, as numbered passages for the model. */
export async function retrieveTurnKnowledge(search: PassageSearch, query: KnowledgeQuery): Promise<TurnKnowledge> {
  const hits = await search.search(
    {
      tenantId: query.tenantId,
      sourceIds: query.sourceIds,
      query: query.query,
      topK: passagesPerTurn,
      mode: 'hybrid',
    },
    query.signal,
  );
  const citations = hits.map((hit, index) => toCitation(hit, index + 1));
  const systemBlock = formatPassagesBlock(
    hits.map((hit, index) => ({
      marker: index + 1,
      documentTitle: hit.documentTitle,
      page: hit.page,
      headingPath: hit.headingPath,
      content: hit.content,
    })),
  );
  return { systemBlock, citations };
}

/**
 * The citations stored with a reply: only the passages it actually cites ([n] in its text). A reply
 * that cites none stores none, since listing passages it did not use would suggest a support it does
 * not claim; the `sources` event at the start of the stream still shows what was retrieved.
 */
export function citationsCitedIn(citations: readonly StoredCitation[], reply: string): StoredCitation[] {
  const cited = new Set(citedMarkers(reply));
  return citations.filter((citation) => cited.has(citation.marker));
}

/** The agent's instructions first, then the passages: the instructions keep their authority. */
export function systemWithKnowledge(instructions: string | undefined, knowledge: TurnKnowledge | undefined) {
  if (!knowledge) return instructions;
  return instructions ? `${instructions}\n\n${knowledge.systemBlock}` : knowledge.systemBlock;
}

/**
 * A failed search fails the reply rather than answering without the passages: an agent set up to
 * answer from its sources would otherwise answer from nothing, and the user could not tell. The
 * user's message stays stored and the reply can be retried.
 */
export function knowledgeFailure(error: unknown): TurnError {
  if (error instanceof AppError && error.status < 500) {
    return { code: 'unprocessable', message: `The agent's knowledge sources could not be searched: ${error.message}` };
  }
  return {
    code: 'not_ready',
    message: "The agent's knowledge sources could not be searched just now; retry the reply in a moment",
  };
}

function toCitation(hit: SearchHit, marker: number): StoredCitation {
  return {
    marker,
    sourceId: hit.sourceId,
    documentId: hit.documentId,
    documentTitle: hit.documentTitle,
    chunkId: hit.chunkId,
    page: hit.page,
    headingPath: hit.headingPath,
    score: hit.score,
    excerpt: hit.content.length > excerptMaxChars ? `${hit.content.slice(0, excerptMaxChars - 1)}…` : hit.content,
  };
}
