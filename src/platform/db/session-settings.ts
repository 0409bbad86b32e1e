/**
 * Settings of every session, so that vector search is one statement instead of a transaction of three
 * (ADR 10): pgvector's iterative HNSW scan (≥ 0.8) keeps scanning until enough rows pass the tenant,
 * source and document filters, and `ef_search` 100 keeps recall at the depth hybrid search fuses.
 */
export const sessionSettings = { 'hnsw.iterative_scan': 'relaxed_order', 'hnsw.ef_search': '100' } as const;
export const sessionSettingsSql = Object.entries(sessionSettings)
  .map(([name, value]) => `set ${name} = ${value};`)
  .join(' ');
