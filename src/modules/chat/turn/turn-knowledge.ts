import { citedMarkers, formatPassagesBlock } from '../../../ai/passages-prompt.js';
import type { StoredCitation } from '../../../platform/db/schema/index.js';
import { AppError } from '../../../platform/errors.js';
import { cutToLength, shortenTo } from '../../../platform/text-cut.js';
import type { KnowledgeSearch, SearchHit } from '../../knowledge/retrieval/knowledge-search.types.js';
import type { TurnError } from './chat-events.js';

/** The one search the query endpoint uses too (knowledge/retrieval), narrowed to what a turn calls. */
export type PassageSearch = Pick<KnowledgeSearch, 'search' | 'searchExplained'>;

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
  const { hits, corrections } = await search.searchExplained(
    {
      tenantId: query.tenantId,
      sourceIds: query.sourceIds,
      query: query.query,
      topK: passagesPerTurn,
      mode: 'hybrid',
    },
    query.signal,
  );
  // Each citation says what its search read instead of the words as typed, so the answer can show it.
  const queryCorrections = corrections.length > 0 ? { queryCorrections: corrections } : {};
  const citations = hits.map((hit, index) => ({ ...toCitation(hit, index + 1), ...queryCorrections }));
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
 * not claim. The `sources` event at the start of the stream carries every passage retrieved; the console shows
 * only those the text cites, as stored.
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
    excerpt: citationExcerpt(hit.content, hit.highlights),
  };
}

/**
 * What a citation shows of its passage: the whole chunk when it fits in 600 characters, else 600 of
 * them from the start of the sentence that holds the question's first match (the search's first
 * highlighted passage), so the part the answer drew on is in view rather than the chunk's opening.
 */
export function citationExcerpt(content: string, highlights: readonly string[]): string {
  if (cutToLength(content, excerptMaxChars) === content) return content;
  const start = sentenceStart(content, firstMatchAt(content, highlights[0]));
  const lead = start > 0 ? '…' : '';
  return lead + shortenTo(content.slice(start), excerptMaxChars - lead.length);
}

/**
 * Where the first «match» of a highlighted passage lies in the content (0 when unknown): a passage is
 * the content's own text with «» added, and it opens a few words before its first match.
 */
function firstMatchAt(content: string, passage: string | undefined): number {
  if (passage === undefined) return 0;
  const passageAt = content.indexOf(passage.replace(/[«»]/g, ''));
  const markAt = passage.indexOf('«');
  return passageAt === -1 || markAt === -1 ? 0 : passageAt + markAt;
}

/** A sentence's end (with a closing quote or bracket) and the space after it, or a line break. */
const sentenceBoundary = /[.!?]["')\]]?\s+|\n+/g;

/** Where the sentence holding `at` begins: after the last sentence boundary before it. */
function sentenceStart(content: string, at: number): number {
  let start = 0;
  for (const boundary of content.slice(0, at).matchAll(sentenceBoundary)) start = boundary.index + boundary[0].length;
  return start;
}
