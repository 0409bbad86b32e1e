import type { CitationMode } from '../../../platform/db/schema/support.js';

/** `[1]`, `[1, 2]`, with the space before it: what a model writes after a sentence it took from a passage. */
const markerGroups = / ?\[(\d+(?:\s*,\s*\d+)*)\]/g;

/**
 * An AI reply as a customer reads it (the widget, an email): its `[n]` markers mean nothing without the
 * passages, so they are taken out; with the inbox's `titles` the titles of the sources it cited are
 * listed once each (a marker no passage backs is only taken out), with `strip` none are.
 */
export function citedForContact(
  content: string,
  citations: readonly { readonly marker: number; readonly documentTitle: string }[] | null | undefined,
  mode: CitationMode = 'titles',
): { content: string; sources: string[] } {
  const stripped = content.replace(markerGroups, '');
  if (mode === 'strip') return { content: stripped, sources: [] };
  const used = new Set([...content.matchAll(markerGroups)].flatMap((match) => match[1]!.split(',').map(Number)));
  const cited = (citations ?? []).filter((citation) => used.has(citation.marker));
  return { content: stripped, sources: [...new Set(cited.map((citation) => citation.documentTitle))] };
}
