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
 * Only plain words are looked at: Latin letters only, written in lower case, or with a capital first
 * letter where a sentence starts (the query's first word, or one after ".", "!" or "?"). A capital
 * first letter anywhere else marks a name ("Margret", "Zurihc"), and a word with a digit ("p53", "2090"),
 * an underscore, a hyphen ("ZX-4471"), capitals inside ("BRCA", "iPhone") or other letters is a code, a
 * name or a word of another language: never guessed at. Nor is a word the sources hold (as the index
 * stems it), whatever it is one edit from.
 *
 * What is shown (`to`) is always a word the sources write, as they write it (lower-cased): the index keeps
 * each term's spellings (knowledge_term_spellings). A stem has many spellings one edit away, most of them
 * words nobody wrote ("calibrator", "resete"); the search reads the stem, and says which word it found.
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
  /**
   * Longer words are not spelling-corrected: a word of n letters has 54n + 25 neighbours, and a string of
   * 500 letters pasted as one word should not cost 27,000. The longest English words of everyday use
   * have about 20 letters. Not fitted: no SciFact query word is this long.
   */
  maxLength: 24,
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

/**
 * The query's words a correction may look at, with their places (see above for which). A name keeps its
 * place, so the words either side of it are not neighbours.
 */
export function plainWordsOf(query: string): PlainWord[] {
  const words: PlainWord[] = [];
  let at = 0;
  let previousEnd = -1;
  for (const match of query.matchAll(token)) {
    // Words with anything but spaces between them (a comma, an apostrophe, a code) are not neighbours.
    const between = previousEnd < 0 ? '' : query.slice(previousEnd, match.index);
    at += /^\s*$/.test(between) ? 1 : 2;
    previousEnd = match.index + match[0].length;
    if (plainWord.test(match[0]) && !isName(match[0], query.slice(0, match.index))) words.push({ word: match[0], at });
  }
  return words;
}

/** A capitalised word where no sentence starts: "Margret" in "ask Margret", not "Pasword" in "Pasword reset". */
function isName(word: string, before: string): boolean {
  return /^[A-Z]/.test(word) && !sentenceStart.test(before);
}
const sentenceStart = /(?:^|[.!?])\s*$/;

/** Whether a typed word may ever be corrected (it may still be one the sources hold). */
export function isPlainWord(word: string): boolean {
  return plainWord.test(word);
}

/**
 * Searched sources with at most this many words in all are read whole for a query's candidates; larger
 * ones are probed per candidate. A source of 50,000 words holds some thousands of distinct terms (Heaps'
 * law): enough pages that a planner probes its index, and few enough that reading them all is cheap.
 */
const smallIndexTerms = 50_000;

/** The stem of a lower-cased plain word as the index holds it: null for a stop word. */
const stem = (word: string) => sql.raw(`(ts_lexize('english_stem', ${word}))[1]`);

/**
 * How the searched sources write a term, as a lateral sub-query giving `spelling`, or no row when they
 * hold no spelling of it (an index written before spellings were kept): then nothing is offered. Of the
 * spellings, one of `preferred` (an array: what was typed, or the typed word's neighbours) if the sources
 * write it, else the one the most chunks write ("calibraton" reads 'calibr', shown as "calibration",
 * never as the neighbour "calibrator" that no one wrote).
 */
function sourceSpelling(term: string, preferred: string): SQL {
  return sql.raw(`(
      select w.spelling from knowledge_term_spellings w
      where w.source_id in (select id from sources) and w.term = ${term}
      group by w.spelling
      order by bool_or(w.spelling = any(${preferred})) desc, sum(w.chunk_frequency) desc, w.spelling
      limit 1
    )`);
}

/**
 * CTEs, for a statement that has `sources` (the searched sources, in the tenant) already: `corrections`
 * (at, from_text, to_text, term), the terms corrections add and what they say. Part of the statement
 * that weighs and scores the query (bm25.repository.ts), so correcting costs no statement of its own.
 *
 * Every candidate (a neighbour's stem, a glued word's halves, a split pair's join) is gathered first, then
 * looked up in `knowledge_terms` (`held_terms`). Issue 61: the candidates were probed one by one, and
 * where the planner judged the term table small (one FAQ, ~600 terms, on embedded storage) it read the
 * whole table for each of ~13,000 candidates: 10 s for a 32-word message, the server's one database
 * session held all along. So small sources (`smallIndexTerms`) are read once for all candidates; large
 * ones keep the per-candidate index probe, since reading all of SciFact's 800,000 terms for each query
 * doubled its p95 (bench/results/retrieval-2026-11-28.md). Either way never their product.
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
      where w.own is not null and length(w.lower_word) between ${Math.floor(limits.minLength)}::int and ${Math.floor(limits.maxLength)}::int
        and not exists (select 1 from knowledge_terms t where t.source_id in (select id from sources) and t.term = w.own)
      order by w.at
      limit ${Math.floor(limits.maxWords)}::int
    ),
    one_edit as materialized (
      select u.word, u.at, e.neighbour, ${stem('e.neighbour')} as term from unheld_words u
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
    halves as materialized (
      select u.word, u.at, left(u.lower_word, i) as head, substr(u.lower_word, i + 1) as tail,
        ${stem('left(u.lower_word, i)')} as head_term, ${stem('substr(u.lower_word, i + 1)')} as tail_term
      from unheld_words u
      cross join generate_series(${minPart}::int, length(u.lower_word) - ${minPart}::int) i
    ),
    pairs as materialized (
      select a.at, a.word || ' ' || b.word as from_text, a.lower_word || b.lower_word as to_text,
        ${stem('a.lower_word || b.lower_word')} as term, a.own as first_own, b.own as second_own
      from typed_words a
      join typed_words b on b.at = a.at + 1
      where a.own is not null and b.own is not null and length(a.lower_word) > 1 and length(b.lower_word) > 1
    ),
    candidate_terms as materialized (
      select term from one_edit union select head_term from halves union select tail_term from halves
      union select term from pairs
    ),
    searched_size as materialized (
      select coalesce(sum(total_term_count), 0) as terms from knowledge_sources where id in (select id from sources)
    ),
    held_terms as materialized (
      -- Small sources: their terms read once and matched against the candidates. Probing a small table
      -- once per candidate is where a planner reads all of it each time.
      select t.term, sum(t.chunk_frequency) as chunks from knowledge_terms t
      where (select terms from searched_size) <= ${smallIndexTerms}::bigint
        and t.source_id in (select id from sources) and t.term in (select term from candidate_terms)
      group by t.term
      having sum(t.chunk_frequency) > 0
      union all
      -- Large ones: each candidate probed in the index; reading all their terms would cost more.
      select c.term, h.chunks from candidate_terms c
      cross join lateral (
        select sum(t.chunk_frequency) as chunks from knowledge_terms t
        where t.source_id in (select id from sources) and t.term = c.term
      ) h
      where (select terms from searched_size) > ${smallIndexTerms}::bigint and h.chunks > 0
    ),
    joined_terms as (
      select p.at, p.from_text, p.to_text, p.term from pairs p
      where p.term is distinct from p.first_own and p.term is distinct from p.second_own
        and p.term in (select term from held_terms)
    ),
    joined as (
      select j.at, j.from_text, w.spelling as to_text, j.term from joined_terms j
      cross join lateral ${sourceSpelling('j.term', 'array[j.to_text]')} w
    ),
    -- Two words read joined are not also corrected one by one ("pass word" is not also "pass work").
    joined_places as (select at from joined union select at + 1 from joined),
    spelled_terms as (
      select distinct on (c.word) c.word, c.at, c.term, c.neighbours
      from (
        select o.word, o.at, o.term, h.chunks, array_agg(o.neighbour) as neighbours
        from one_edit o join held_terms h on h.term = o.term
        where o.at not in (select at from joined_places)
        group by o.word, o.at, o.term, h.chunks
      ) c
      order by c.word, c.chunks desc, c.term
    ),
    spelled as (
      select s.word, s.at, w.spelling, s.term from spelled_terms s
      cross join lateral ${sourceSpelling('s.term', 's.neighbours')} w
    ),
    glued_halves as (
      select distinct on (g.word) g.word, g.at, g.head, g.tail, g.head_term, g.tail_term
      from halves g
      join held_terms h on h.term = g.head_term
      join held_terms t on t.term = g.tail_term
      where g.word not in (select word from spelled) and g.at not in (select at from joined_places)
      -- The split whose rarer half is commonest.
      order by g.word, least(h.chunks, t.chunks) desc, g.head
    ),
    glued as (
      select g.word, g.at, head.spelling || ' ' || tail.spelling as to_text, g.head_term, g.tail_term
      from glued_halves g
      cross join lateral ${sourceSpelling('g.head_term', 'array[g.head]')} head
      cross join lateral ${sourceSpelling('g.tail_term', 'array[g.tail]')} tail
    ),
    corrections as (
      select at, word as from_text, spelling as to_text, term from spelled
      union all
      select at, word, to_text, unnest(array[head_term, tail_term]) from glued
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
