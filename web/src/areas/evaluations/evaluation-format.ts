import type { CaseExpectations, CaseMessage } from './evaluations-api';

/** A rate of 0..1 as a percentage with one decimal, as the server's gate messages write it. */
export const formatPercent = (rate: number) => `${(rate * 100).toFixed(1)}%`;

/** costMicros are millionths of a US dollar; null means the model has no price configured. */
export function formatUsd(costMicros: number | null): string {
  if (costMicros === null) return 'no price';
  const dollars = costMicros / 1_000_000;
  return `$${dollars.toFixed(dollars < 1 ? 4 : 2)}`;
}

export function formatLatency(ms: number | null): string {
  if (ms === null) return '—';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** A judge's 1–5 score, or a dash where it gave none. */
export const formatScore = (score: number | null) => (score === null ? '—' : `${score.toFixed(1)} / 5`);

/** The question a case asks: its last message (the person's), whatever came before it. */
export const questionOf = (messages: readonly CaseMessage[]) => messages.at(-1)?.content ?? '';

/** A case's expectations in a few words each, only those it has; an empty list when it checks nothing. */
export function expectationParts(expectations: CaseExpectations): string[] {
  const parts: string[] = [];
  if (expectations.expectedSources.length > 0) parts.push(`Cites: ${expectations.expectedSources.join(', ')}`);
  if (expectations.mustInclude.length > 0) parts.push(`Says: ${expectations.mustInclude.join(', ')}`);
  if (expectations.mustNotInclude.length > 0) parts.push(`Never says: ${expectations.mustNotInclude.join(', ')}`);
  if (expectations.expectHandoff !== null) {
    parts.push(expectations.expectHandoff ? 'Hands over to a person' : 'Does not hand over');
  }
  if (expectations.maxLength !== null) {
    parts.push(`At most ${expectations.maxLength.toLocaleString('en')} characters`);
  }
  return parts;
}

/** "Version 2 on openai:gpt-4o" — an arm as people name it, its model only when it was chosen for the run. */
export function armLabel(arm: { version: number; model: string; isModelOverridden?: boolean }): string {
  return arm.isModelOverridden ? `Version ${arm.version} on ${arm.model}` : `Version ${arm.version}`;
}
