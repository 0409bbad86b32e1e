import { sql, type SQL } from 'drizzle-orm';

/**
 * Query correction: what BM25 also reads when a query's word is not in the searched sources as typed.
 * - **Spelling**: a word no source holds is also read as the sources' word one edit away (a letter
 *   dropped, added, changed, or two neighbours swapped: Damerau's four, which cover most typing errors).
 *   "pasword" also reads "password". Of several, the one the most chunks hold wins.
 * - **Glued words**: a word no source holds and no edit mends, which is two words the sources hold
 *   glued together ("passwordreset"), also reads the two.
 * - **Split words**: two neighbouring words whose join is a word the sources hold ("pass word" when the
 *   documents write "password") also read the join. The two words are still read as typed.
 *
 * Corrections add terms; they never remove the query's own. An added term weighs `weight` times an
 * exact one, so a passage holding what was typed outranks one holding only the guess. Each is reported
 * `{ from, to }`, and a request can turn them off (`correct: false`).
 *
 * Only plain words are looked at: Latin letters only, written in lower case or with a capital first
 * letter. A word with a digit ("p53", "2090"), an underscore, a hyphen ("ZX-4471"), capitals inside
 * ("BRCA", "iPhone") or other letters is a code, a name or a word of another language: never guessed at.
 * Nor is a word the sources hold (as the index stems it), whatever it is one edit from.
 */
export const queryCorrection = {
  /**
   * Words shorter than this are not spelling-corrected: a three-letter word has dozens of real words one
   * edit away, so the guess would be a coin toss. Fitted on SciFact's fitting half (odd query ids,
   * bench/retrieval/fit-constants.ts): 4 over 5 and 6, each shorter limit better there with typos
   * (nDCG@10 0.6574, 0.6547, 0.6503 at weight 0.9) and alike without.
   */
  minLength: 4,
  /**
   * The weight of an added term against an exact one (1). Fitted on the same half among 0.5 to 0.9:
   * each step up helped the misspelled queries (0.6464 to 0.6574) and none changed the clean ones by
   * more than 0.0006. An equal weight (1) scored 0.6554 and would rank a guess level with what was typed.
   */
  weight: 0.9,
  /** Each part of a glued word is at least this long ("pass" + "word", not "p" + "assword"). Not fitted. */
  minPartLength: 3,
  /**
   * At most this many unheld words of a query are spelling-corrected, the first ones: each costs some 500
   * index probes, and a pasted page of 300 unknown words should not cost 150,000. Not fitted: SciFact's
   * longest query has 29 words in all, so no figure depends on it.
   */
  maxWords: 32,
} as const;

export type CorrectionLimits = { readonly [key in keyof typeof queryCorrection]: number };

export interface QueryCorrectionReport {
  /** The words as typed. */
  readonly from: string;
  /** What was searched besides them. */
  readonly to: string;
}

/** A plain word of the query and its place; words two places apart were not neighbours. */
export interface PlainWord {
  readonly word: string;
  readonly at: number;
}

const token = /[\p{L}\p{N}_]+(?:-[\p{L}\p{N}_]+)*/gu;
const plainWord = /^(?:[a-z]+|[A-Z][a-z]+)$/;

/** The query's words a correction may look at, with their places (see above for which). */
export function plainWordsOf(query: string): PlainWord[] {
  const words: PlainWord[] = [];
  let at = 0;
  let previousEnd = -1;
  for (const match of query.matchAll(token)) {
    // Words with anything but spaces between them (a comma, an apostrophe, a code) are not neighbours.
    const between = previousEnd < 0 ? '' : query.slice(previousEnd, match.index);
    at += /^\s*$/.test(between) ? 1 : 2;
    previousEnd = match.index + match[0].length;
    if (plainWord.test(match[0])) words.push({ word: match[0], at });
  }
  return words;
}

/** Whether a typed word may ever be corrected (it may still be one the sources hold). */
export function isPlainWord(word: string): boolean {
  return plainWord.test(word);
}

/** The stem of a lower-cased plain word as the index holds it: null for a stop word. */
const stem = (word: string) => sql.raw(`(ts_lexize('english_stem', ${word}))[1]`);
/** Chunks of the searched sources (CTE `sources`) holding a term, null when none does. */
const heldChunks = (term: string) =>
  sql.raw(
    `(select sum(held.chunk_frequency) from knowledge_terms held where held.source_id in (select id from sources) and held.term = ${term})`,
  );

/**
 * CTEs, for a statement that has `sources` (the searched sources, in the tenant) already: `corrections`
 * (at, from_text, to_text, term), the terms corrections add and what they say. Part of the statement
 * that weighs and scores the query (bm25.repository.ts), so correcting costs no statement of its own.
 */
export function correctionCtes(words: readonly PlainWord[], limits: CorrectionLimits = queryCorrection): SQL {
  if (words.length === 0) {
    return sql`corrections as (select null::int as at, null::text as from_text, null::text as to_text, null::text as term where false)`;
  }
  const json = JSON.stringify(words.map(({ word, at }) => ({ word, at })));
  const minPart = Math.max(1, Math.floor(limits.minPartLength));
  return sql`typed_words as materialized (
      select w.word, w.at, lower(w.word) as lower_word, ${stem('lower(w.word)')} as own
      from jsonb_to_recordset(${json}::jsonb) as w(word text, at int)
    ),
    unheld_words as materialized (
      select * from typed_words w
      where w.own is not null and length(w.lower_word) >= ${Math.floor(limits.minLength)}::int
        and not exists (select 1 from knowledge_terms t where t.source_id in (select id from sources) and t.term = w.own)
      order by w.at
      limit ${Math.floor(limits.maxWords)}::int
    ),
    one_edit as (
      select u.word, u.at, e.neighbour from unheld_words u
      cross join lateral (
        select left(u.lower_word, i) || substr(u.lower_word, i + 2) from generate_series(0, length(u.lower_word) - 1) i
        union all
        select left(u.lower_word, i) || substr(u.lower_word, i + 2, 1) || substr(u.lower_word, i + 1, 1)
          || substr(u.lower_word, i + 3) from generate_series(0, length(u.lower_word) - 2) i
        union all
        select left(u.lower_word, i) || l || substr(u.lower_word, i + 2)
          from generate_series(0, length(u.lower_word) - 1) i, unnest(string_to_array('abcdefghijklmnopqrstuvwxyz', null)) l
        union all
        select left(u.lower_word, i) || l || substr(u.lower_word, i + 1)
          from generate_series(0, length(u.lower_word)) i, unnest(string_to_array('abcdefghijklmnopqrstuvwxyz', null)) l
      ) as e(neighbour)
    ),
    spelled as (
      select distinct on (word) word, at, neighbour, term from (
        select o.word, o.at, o.neighbour, s.term, ${heldChunks('s.term')} as chunks
        from one_edit o cross join lateral (select ${stem('o.neighbour')} as term) s
      ) candidates
      where chunks > 0
      -- Spellings of one stem tie ("expiry": "expir", "expire", "expirly"); what is shown is the one of
      -- the typed length (a changed or swapped letter), else the longer: a stem is a word cut short.
      order by word, chunks desc, abs(length(neighbour) - length(word)), length(neighbour) desc, neighbour
    ),
    glued as (
      select distinct on (word) word, at, head, tail, head_term, tail_term from (
        select u.word, u.at, left(u.lower_word, i) as head, substr(u.lower_word, i + 1) as tail,
          h.term as head_term, t.term as tail_term, ${heldChunks('h.term')} as head_chunks, ${heldChunks('t.term')} as tail_chunks
        from unheld_words u
        cross join generate_series(${minPart}::int, length(u.lower_word) - ${minPart}::int) i
        cross join lateral (select ${stem('left(u.lower_word, i)')} as term) h
        cross join lateral (select ${stem('substr(u.lower_word, i + 1)')} as term) t
        where u.word not in (select word from spelled)
      ) candidates
      where head_chunks > 0 and tail_chunks > 0
      -- The split whose rarer half is commonest; least() alone would pass a half no source holds (null).
      order by word, least(head_chunks, tail_chunks) desc, head
    ),
    joined as (
      select a.at, a.word || ' ' || b.word as from_text, a.lower_word || b.lower_word as to_text, j.term
      from typed_words a
      join typed_words b on b.at = a.at + 1
      cross join lateral (select ${stem('a.lower_word || b.lower_word')} as term) j
      where a.own is not null and b.own is not null and length(a.lower_word) > 1 and length(b.lower_word) > 1
        and j.term is distinct from a.own and j.term is distinct from b.own and ${heldChunks('j.term')} > 0
    ),
    corrections as (
      select at, word as from_text, neighbour as to_text, term from spelled
      union all
      select at, word, head || ' ' || tail, unnest(array[head_term, tail_term]) from glued
      union all
      select at, from_text, to_text, term from joined
    )`;
}

/** The reported corrections, a `to` keeping the capital of its `from` ("Pasword" → "Password"). */
export function reportedCorrections(rows: readonly QueryCorrectionReport[]): QueryCorrectionReport[] {
  return rows.map(({ from, to }) =>
    /^[A-Z]/.test(from) ? { from, to: to.charAt(0).toUpperCase() + to.slice(1) } : { from, to },
  );
}

/**
 * `Searched for "password" instead of "pasword".`: the sentence the console shows under results, for a
 * model reading a tool's result (chat's search_knowledge, the MCP server's); undefined when nothing was
 * corrected. A model told what was read instead can say so, or search again with correction off.
 */
export function searchedInsteadSentence(corrections: readonly QueryCorrectionReport[]): string | undefined {
  if (corrections.length === 0) return undefined;
  const pairs = corrections.map(({ from, to }) => `"${to}" instead of "${from}"`);
  return `Searched for ${pairs.join(', ')}.`;
}
