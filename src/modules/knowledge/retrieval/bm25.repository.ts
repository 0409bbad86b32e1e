import { sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../../platform/db/client.js';
import { hiddenWriteIds } from './index-writes.repository.js';
import { analyzed, queryLexemes, textToAnalyse } from './text-analysis.js';
import {
  correctionCtes,
  queryCorrection,
  reportedCorrections,
  type CorrectionLimits,
  type PlainWord,
  type QueryCorrectionReport,
} from './query-correction.js';
import { rowsOf, uuidArray } from '../../../platform/db/raw-sql.js';

/** BM25 parameters as Anserini uses them for BEIR (k1 0.9, b 0.4), so SciFact scores are comparable. */
export const bm25 = { k1: 0.9, b: 0.4 } as const;

/**
 * A query term as one source scores it: `weight` = (k1 + 1) × IDF × its repeats in the query, and
 * `lengthFactor` = k1 · b / avgdl, so a posting's share is weight · tf / (tf + k1·(1 − b) + lengthFactor · length),
 * which is always below `weight`: that bound is what lets MaxScore skip postings (bm25-search.ts).
 */
export interface WeightedTerm {
  readonly sourceId: string;
  readonly term: string;
  readonly weight: number;
  readonly lengthFactor: number;
  /** Postings of the term in the source: the cost of reading it. */
  readonly chunkFrequency: number;
}

export interface Bm25Candidate {
  readonly chunkId: string;
  readonly score: number;
}

/**
 * How much of the query BM25 could read: the query's terms (its own analysis, stop words left out) and
 * how many of them no searched source holds, a misspelled word, say. Hybrid fusion leans on the vectors
 * for the part of the query BM25 cannot see (rank-fusion.ts).
 */
export interface QueryTermCoverage {
  readonly queryTerms: number;
  readonly unmatchedTerms: number;
}

export interface WeighAndScoreInput {
  readonly tenantId: string;
  /** The query's plain words, for corrections (query-correction.ts); none or absent: no correction. */
  readonly correctable?: readonly PlainWord[];
  readonly correctionLimits?: CorrectionLimits;
  readonly sourceIds: readonly string[];
  readonly documentIds?: readonly string[] | undefined;
  readonly limit: number;
  /** Score in the same statement only if the terms' postings add up to no more than this. */
  readonly postingsBudget: number;
}

export interface WeighedQuery {
  readonly terms: WeightedTerm[];
  readonly hits: Bm25Candidate[] | null;
  readonly coverage: QueryTermCoverage;
  /** What corrections added to the query, as typed and as searched, and the terms they added. */
  readonly corrections: QueryCorrectionReport[];
  readonly correctedTerms: string[];
}

/**
 * The query's weighted terms, corrections included (query-correction.ts), and, when their postings fit
 * the budget, the best chunks scored from all of them: one round trip for the common case, instead of
 * looking up corrections, weighing and scoring one after the other. `hits` is
 * null when the budget was exceeded; the caller then prunes with the terms (bm25-search.ts). Terms and
 * hits travel as `json` (not `jsonb`), which writes float8 in its shortest exact form, so the numbers
 * are those of a plain row, to the last bit.
 */
export async function weighAndScore(db: Executor, query: string, input: WeighAndScoreInput): Promise<WeighedQuery> {
  const { tenantId, sourceIds, documentIds, limit } = input;
  const limits = input.correctionLimits ?? queryCorrection;
  const budget = Math.min(input.postingsBudget, Number.MAX_SAFE_INTEGER);
  const result = await db.execute(sql`
    with ${weightedTerms(query, tenantId, sourceIds, correctionCtes(input.correctable ?? [], limits), limits.weight)},
    fits as (select coalesce(sum(chunk_frequency), 0) <= ${budget}::float8 as scored from weighted_terms),
    own_terms as (select distinct lexeme as term from unnest(${analyzed(sql`${textToAnalyse(query)}::text`)})),
    unmatched_terms as (select term from own_terms o where not exists (select 1 from weighted_terms w where w.term = o.term)),
    candidates as (
      select * from (
        select p.chunk_id, sum(${share('e')}) as score
        from weighted_terms e
        join knowledge_postings p on p.source_id = e.source_id and p.term = e.term
        ${documentJoin(documentIds)}
        where (select scored from fits) and p.write_id <> all(${hiddenWriteIds(tenantId, sourceIds)})
        group by p.chunk_id
      ) scored
      order by ${rankOrder('score', 'chunk_id')}
      limit ${limit}
    )
    select
      (select coalesce(json_agg(json_build_object('sourceId', source_id, 'term', term, 'weight', weight,
        'lengthFactor', length_factor, 'chunkFrequency', chunk_frequency)), '[]') from weighted_terms) as terms,
      (select scored from fits) as scored,
      (select count(*)::int from own_terms) as "queryTerms",
      (select count(*)::int from unmatched_terms) as "unmatchedTerms",
      (select coalesce(json_agg(json_build_object('from', from_text, 'to', to_text) order by at, from_text), '[]')
        from (select distinct at, from_text, to_text from corrections) reported) as corrections,
      (select coalesce(json_agg(distinct term), '[]') from corrections) as "correctedTerms",
      (select coalesce(json_agg(json_build_object('chunkId', chunk_id, 'score', score) order by ${rankOrder('score', 'chunk_id')}), '[]')
        from candidates) as hits`);
  const [row] = rowsOf<{
    terms: WeightedTerm[];
    scored: boolean;
    hits: Bm25Candidate[];
    queryTerms: number;
    unmatchedTerms: number;
    corrections: QueryCorrectionReport[];
    correctedTerms: string[];
  }>(result);
  const terms = row?.terms ?? [];
  const coverage = { queryTerms: row?.queryTerms ?? 0, unmatchedTerms: row?.unmatchedTerms ?? 0 };
  return {
    terms,
    hits: terms.length === 0 ? [] : row?.scored ? row.hits : null,
    coverage,
    corrections: reportedCorrections(row?.corrections ?? []),
    correctedTerms: row?.correctedTerms ?? [],
  };
}

/**
 * `weighted_terms`, a CTE to start a statement with: the query's terms with their BM25 weights, each
 * source with its own statistics (N = chunk_count, avgdl = total_term_count / chunk_count, df from
 * knowledge_terms). Terms come from the same analysis as the index (text-analysis.ts); a term repeated
 * in the query counts as often (as Anserini's bag-of-words query does). The tenant is checked here, on
 * the sources: every later read goes through the (source, term) pairs this gives. A term corrections
 * add (`corrections`) counts `correctedWeight` times, once, unless the query holds it already.
 */
function weightedTerms(
  query: string,
  tenantId: string,
  sourceIds: readonly string[],
  corrections: SQL,
  correctedWeight: number,
): SQL {
  return sql`own_query_terms as (
      select lexeme as term, repeats from ${queryLexemes(query)} as lexemes
    ),
    sources as (
      select id, greatest(chunk_count, 1)::float8 as chunks,
        ${float(bm25.k1 * bm25.b)} * greatest(chunk_count, 1)::float8 / greatest(total_term_count, 1)::float8
          as length_factor
      from knowledge_sources where tenant_id = ${tenantId} and id = any(${uuidArray(sourceIds)})
    ),
    ${corrections},
    query_terms as (
      select * from own_query_terms
      union all
      select term, ${correctedWeight}::float8 from (select distinct term from corrections) added
      where term not in (select term from own_query_terms)
    ),
    weighted_terms as materialized (
      select t.source_id, t.term, s.length_factor, t.chunk_frequency,
        ${float(bm25.k1 + 1)} * q.repeats
          * ln(1 + (s.chunks - t.chunk_frequency + 0.5::float8) / (t.chunk_frequency + 0.5::float8)) as weight
      from query_terms q
      join sources s on true
      join knowledge_terms t on t.source_id = s.id and t.term = q.term
    )`;
}

export interface ScoreChunksInput {
  readonly tenantId: string;
  /** The sources of the terms, for the writes that are not searched yet (ADR 12). */
  readonly sourceIds: readonly string[];
  /** Every posting of these terms is read: chunks holding none of them are not candidates. */
  readonly essential: readonly WeightedTerm[];
  /** Looked up only for candidates that could still reach `threshold` with them. */
  readonly optional: readonly WeightedTerm[];
  /** A score the limit-th best chunk is known to reach (0 when unknown). */
  readonly threshold: number;
  readonly documentIds?: readonly string[] | undefined;
  readonly limit: number;
}

/**
 * Exact BM25 scores of the best chunks holding an essential term. The postings come from index-only
 * scans of their primary key, which carries the term frequency, the chunk's length (ADR 10) and its
 * write, so postings of a write not yet searched are skipped there (ADR 12). Optional terms are probed
 * only for chunks found so, whose postings all belong to the same write. A
 * candidate whose essential score plus every optional weight stays below the threshold cannot make the
 * list and is dropped before its optional terms are probed.
 */
export async function scoreChunks(db: Executor, input: ScoreChunksInput): Promise<Bm25Candidate[]> {
  const { tenantId, sourceIds, essential, optional, threshold, documentIds, limit } = input;
  const optionalWeights = optional.reduce((sum, term) => sum + term.weight, 0);
  const optionalScore =
    optional.length === 0
      ? sql`0::float8`
      : sql`coalesce((
          select sum(${share('o')}) from optional_terms o
          join knowledge_postings p on p.source_id = o.source_id and p.term = o.term and p.chunk_id = c.chunk_id
          where o.source_id = c.source_id
        ), 0)`;
  const result = await db.execute(sql`
    with essential_terms as (
      select * from jsonb_to_recordset(${termsJson(essential)}::jsonb)
        as t(source_id uuid, term text, weight float8, length_factor float8)
    ),
    optional_terms as (
      select * from jsonb_to_recordset(${termsJson(optional)}::jsonb)
        as t(source_id uuid, term text, weight float8, length_factor float8)
    ),
    candidates as (
      select p.chunk_id, p.source_id, sum(${share('e')}) as score
      from essential_terms e
      join knowledge_postings p on p.source_id = e.source_id and p.term = e.term
      ${documentJoin(documentIds)}
      where p.write_id <> all(${hiddenWriteIds(tenantId, sourceIds)})
      group by p.chunk_id, p.source_id
    )
    select * from (
      select c.chunk_id as "chunkId", c.score + ${optionalScore} as score
      from candidates c
      where c.score + ${optionalWeights}::float8 >= ${threshold}::float8
    ) scored
    order by ${rankOrder('score', '"chunkId"')}
    limit ${limit}`);
  return rowsOf<Bm25Candidate>(result);
}

/**
 * Best first. A chunk's score is a sum whose order of addition depends on the plan and on which terms
 * MaxScore scored first, so equal scores can differ in their last bit; ranking on the score rounded to
 * 1e-9 makes such ties ties, broken by chunk id whatever the path. (Rounding in float8: a cast to
 * numeric did the same at 2 ms per 3,000 candidates.)
 */
function rankOrder(score: string, chunkId: string): SQL {
  return sql.raw(`round(${score} * 1e9::float8) desc, ${chunkId}`);
}

/** A posting's share of its chunk's score, for a term row aliased `alias` and a posting `p`. */
function share(alias: string): SQL {
  return sql.raw(
    `${alias}.weight * p.term_frequency / (p.term_frequency + ${bm25.k1 * (1 - bm25.b)}::float8 + ${alias}.length_factor * p.chunk_length)`,
  );
}

function documentJoin(documentIds: readonly string[] | undefined): SQL {
  return documentIds
    ? sql`join knowledge_chunks c on c.id = p.chunk_id and c.document_id = any(${uuidArray(documentIds)})`
    : sql``;
}

function termsJson(terms: readonly WeightedTerm[]): string {
  return JSON.stringify(
    terms.map((term) => ({
      source_id: term.sourceId,
      term: term.term,
      weight: term.weight,
      length_factor: term.lengthFactor,
    })),
  );
}

function float(value: number): SQL {
  return sql.raw(`${value}::float8`);
}
