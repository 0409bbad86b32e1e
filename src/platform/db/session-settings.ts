/**
 * Settings of every session, so that vector search is one statement instead of a transaction of three
 * (ADR 10): pgvector's iterative HNSW scan (≥ 0.8) keeps scanning until enough rows pass the tenant,
 * source and document filters, and `ef_search` 100 keeps recall at the depth hybrid search fuses.
 * JIT compilation is off: every statement here is short, and a plan the planner overestimates (query
 * correction's edits, whose row counts it cannot know) was compiled for 1.8 s to run for 5 ms.
 */
export const sessionSettings = { 'hnsw.iterative_scan': 'relaxed_order', 'hnsw.ef_search': '100', jit: 'off' } as const;
export const sessionSettingsSql = Object.entries(sessionSettings)
  .map(([name, value]) => `set ${name} = ${value};`)
  .join(' ');
