import { sql, type SQL } from 'drizzle-orm';

/**
 * The `english` text search configuration over a text, as the index and every query see it.
 * PostgreSQL's parser reads the digits after a hyphen as a signed number: "ZX-4471" gave 'zx' and
 * '-4471', so a search for 4471 (or "COVID 19") found nothing. A hyphen between a letter or digit and a
 * digit is read as a space first, so product codes index their parts ('zx', '4471'); a number standing
 * alone ("-5") keeps its sign.
 */
export function analyzed(text: SQL): SQL {
  return sql`to_tsvector('english', regexp_replace(${text}, '(?<=[[:alnum:]])-(?=[[:digit:]])', ' ', 'g'))`;
}

/**
 * A query's lexemes with their repeats: the analysis above, plus what the parser alone made of the
 * query, so documents indexed before hyphenated numbers were split (which hold '-4471') still match
 * until they are indexed again. A lexeme in both counts once, with its larger repeat.
 */
export function queryLexemes(query: string): SQL {
  return sql`(
    select lexeme, max(cardinality(positions))::float8 as repeats
    from (
      select * from unnest(${analyzed(sql`${query}::text`)})
      union all
      select * from unnest(to_tsvector('english', ${query}::text))
    ) as both_analyses
    group by lexeme
  )`;
}
