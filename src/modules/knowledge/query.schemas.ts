import { z } from 'zod';
import { searchModes } from './retrieval/knowledge-search.types.js';

export const queryBody = z.strictObject({
  query: z.string().trim().min(1, 'must not be empty').max(2000, 'must be at most 2000 characters'),
  topK: z
    .number()
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(100, 'must be at most 100, the deepest search (recall@100)')
    .default(8),
  mode: z.enum(searchModes).default('hybrid'),
  /** Narrows the search to these documents of the source. */
  documentIds: z.array(z.uuid()).min(1).max(100).optional(),
  /** False searches without the source's reranking model, to compare the two orders. */
  rerank: z.boolean().default(true),
  /**
   * False searches the words exactly as typed. By default, lexical and hybrid search also read a word the
   * source does not hold as its spelling one edit away, and split or glued words as the source writes them;
   * codes, numbers and names are never corrected. `corrections` says what was read.
   */
  correct: z.boolean().default(true),
});
export type QueryInput = z.infer<typeof queryBody>;

export const searchHitSchema = z.object({
  chunkId: z.uuid(),
  sourceId: z.uuid(),
  documentId: z.uuid(),
  documentTitle: z.string(),
  page: z.number().int().nullable(),
  headingPath: z.array(z.string()),
  content: z.string(),
  score: z.number(),
  lexicalScore: z.number().nullable(),
  /**
   * Null when the vectors did not find it, or were not read: hybrid search over offline vectors reads
   * them only when BM25 finds fewer passages than asked for (they weigh nothing in the order).
   */
  vectorScore: z.number().nullable(),
  lexicalRank: z.number().int().nullable(),
  vectorRank: z.number().int().nullable(),
  /** The reranking model's relevance score (then also `score`); null when not reranked. */
  rerankScore: z.number().nullable(),
  /** Passages around the matched query terms, each match wrapped in «…». */
  highlights: z.array(z.string()),
});

export const queryResultSchema = z.object({
  mode: z.enum(searchModes),
  tookMs: z.number(),
  /** Whether the source's reranking model reordered the results; null when none was used. */
  reranking: z
    .object({
      model: z.string(),
      status: z.enum(['applied', 'failed']),
      /** Why it failed; the results are then in hybrid order. */
      message: z.string().optional(),
    })
    .nullable(),
  /** What was searched besides the words as typed: "searched for `to` instead of `from`". Empty when nothing. */
  corrections: z.array(z.object({ from: z.string(), to: z.string() })),
  results: z.array(searchHitSchema),
});
export type QueryResult = z.infer<typeof queryResultSchema>;
