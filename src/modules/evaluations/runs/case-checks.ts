import type {
  EvaluationCaseSnapshot,
  EvaluationChecks,
  EvaluationCitation,
} from '../../../platform/db/schema/index.js';
import { foldLatinAccents } from '../../../platform/latin-accents.js';

/** What an answer did, as the checks read it. */
export interface AnswerFacts {
  readonly text: string;
  readonly citations: readonly EvaluationCitation[];
  readonly isHandoff: boolean;
}

/** Words compared as a person reads them: case and Latin accents aside, spaces collapsed. */
const comparable = (text: string) => foldLatinAccents(text).toLowerCase().replace(/\s+/g, ' ').trim();

/**
 * The checks that need no model, each asked only when the case sets its expectation: every expected
 * source cited (by document title or id), every must-word present and no must-not word, the handoff
 * decision as expected, the answer no longer than its bound. A case passes when every check it asks passes.
 */
export function checkAnswer(
  expected: EvaluationCaseSnapshot,
  answer: AnswerFacts,
): { checks: EvaluationChecks; isPassed: boolean } {
  const text = comparable(answer.text);
  const checks: { -readonly [K in keyof EvaluationChecks]: EvaluationChecks[K] } = {};
  if (expected.expectedSources.length > 0) {
    const cited = new Set(
      answer.citations.flatMap((citation) => [citation.documentId, comparable(citation.documentTitle)]),
    );
    checks.citations = expected.expectedSources.every((source) => cited.has(source) || cited.has(comparable(source)));
  }
  if (expected.mustInclude.length > 0 || expected.mustNotInclude.length > 0) {
    checks.words =
      expected.mustInclude.every((word) => text.includes(comparable(word))) &&
      !expected.mustNotInclude.some((word) => text.includes(comparable(word)));
  }
  if (expected.expectHandoff !== null) checks.handoff = answer.isHandoff === expected.expectHandoff;
  if (expected.maxLength !== null) checks.length = answer.text.length <= expected.maxLength;
  return { checks, isPassed: Object.values(checks).every(Boolean) };
}
