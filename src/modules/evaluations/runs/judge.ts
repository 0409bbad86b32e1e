import type { EvaluationCaseSnapshot, EvaluationJudgement } from '../../../platform/db/schema/index.js';
import { streamModelReply } from '../../chat/index.js';
import { costOfCall, type CaseAnswer, type CaseAnswerDeps, type CaseSubject } from './case-answer.js';

/** The judge's instructions, shown as they are on the run (GET /v1/evaluation-runs/{id}: `judgePrompt`). */
export const judgeInstructions = [
  'You grade one answer of an AI assistant. Give two scores from 1 (worst) to 5 (best):',
  '- faithfulness: every statement of the answer is supported by the passages below (with no passages:',
  '  the answer states no facts it could not know, or says it does not know);',
  '- relevance: the answer addresses what the person asked.',
  'Reply with one JSON object and nothing else: {"faithfulness": <1-5>, "relevance": <1-5>, "reason": "<one sentence>"}',
].join('\n');

/** What the judge reads after its instructions: the passages, the conversation, the answer. */
export function judgeMaterial(
  evaluationCase: EvaluationCaseSnapshot,
  answer: Pick<CaseAnswer, 'text' | 'passages'>,
): string {
  const passages = answer.passages.length
    ? answer.passages.map((passage) => `[${passage.marker}] ${passage.excerpt}`).join('\n')
    : '(none)';
  const conversation = evaluationCase.messages.map((message) => `${message.role}: ${message.content}`).join('\n');
  return `Passages:\n${passages}\n\nConversation:\n${conversation}\n\nAnswer:\n${answer.text}`;
}

const score = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) && value >= 1 && value <= 5 ? value : null;

/** The first JSON object in the judge's reply, read leniently: a model may wrap it in a sentence or a fence. */
export function readJudgement(reply: string): Omit<EvaluationJudgement, 'costMicros'> {
  const start = reply.indexOf('{');
  const end = reply.lastIndexOf('}');
  try {
    if (start < 0 || end <= start) throw new Error('no object');
    const parsed = JSON.parse(reply.slice(start, end + 1)) as Record<string, unknown>;
    const judgement = {
      faithfulness: score(parsed.faithfulness),
      relevance: score(parsed.relevance),
      reason: typeof parsed.reason === 'string' ? parsed.reason.slice(0, 500) : '',
    };
    if (judgement.faithfulness === null && judgement.relevance === null) throw new Error('no scores');
    return judgement;
  } catch {
    return {
      faithfulness: null,
      relevance: null,
      reason: '',
      error: `The judge did not reply with the JSON asked for: ${reply.slice(0, 200)}`,
    };
  }
}

/** The judge model's scores for one answer; its call is charged and counted like the answer's. */
export async function judgeAnswer(
  deps: CaseAnswerDeps,
  subject: CaseSubject,
  judgeModel: string,
  evaluationCase: EvaluationCaseSnapshot,
  answer: CaseAnswer,
  signal: AbortSignal,
): Promise<EvaluationJudgement> {
  const resolved = await deps.resolveModel(subject.tenantId, judgeModel, {
    path: 'evaluation',
    userId: subject.userId,
    agentId: subject.agentId,
  });
  const result = await streamModelReply(
    deps.modelStream,
    {
      model: resolved.model,
      providerName: resolved.providerName,
      metricLabels: resolved.metricLabels,
      system: judgeInstructions,
      messages: [{ role: 'user', content: judgeMaterial(evaluationCase, answer) }],
      temperature: 0,
      maxOutputTokens: 300,
      timeoutMs: deps.modelTimeoutMs,
      abortSignal: signal,
    },
    () => undefined,
  );
  const inputTokens = result.usage.inputTokens ?? 0;
  const outputTokens = result.usage.outputTokens ?? 0;
  const costMicros = await costOfCall(deps, subject.tenantId, resolved, inputTokens, outputTokens);
  if (result.error) return { faithfulness: null, relevance: null, reason: '', costMicros, error: result.error.message };
  return { ...readJudgement(result.text), costMicros };
}
