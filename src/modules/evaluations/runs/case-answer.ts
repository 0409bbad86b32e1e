import type { JSONSchema7, LanguageModelV3FunctionTool } from '@ai-sdk/provider';
import type { EvaluationArm, EvaluationCaseSnapshot, EvaluationCitation } from '../../../platform/db/schema/index.js';
import {
  citationsCitedIn,
  retrieveTurnKnowledge,
  streamModelReply,
  systemWithKnowledge,
  type ModelResolver,
  type ModelStreamDeps,
  type PassageSearch,
  type TurnKnowledge,
} from '../../chat/index.js';
import { handoffDeclaration } from '../../inbox/index.js';

export interface CaseAnswerDeps {
  readonly resolveModel: ModelResolver;
  readonly modelStream: ModelStreamDeps;
  readonly knowledgeSearch?: PassageSearch | undefined;
  readonly modelTimeoutMs: number;
  /** A finished call's cost in millionths (budgets' `createCallCost`); undefined when the model has no price. */
  readonly costOf: (
    tenantId: string,
    call: { modelRef: string; inputTokens: number; outputTokens: number },
  ) => Promise<number | undefined>;
}

/** Whose run it is: every call is charged to the tenant, for the person who started the run, as the agent's version. */
export interface CaseSubject {
  readonly tenantId: string;
  readonly userId: string | null;
  readonly agentId: string;
}

export interface CaseAnswer {
  readonly text: string;
  /** The passages the answer cites. */
  readonly citations: readonly EvaluationCitation[];
  /** Every passage the model was given, for a judge to read. */
  readonly passages: readonly { readonly marker: number; readonly excerpt: string }[];
  readonly isHandoff: boolean;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly costMicros: number | null;
  readonly latencyMs: number;
  readonly error: string | null;
}

/**
 * The handoff a support conversation's AI is offered (inbox/desk/handoff-tool.ts), here only declared:
 * calling it is the answer's handoff decision, and nothing is handed to anyone.
 */
const handoffTool: LanguageModelV3FunctionTool = {
  type: 'function',
  ...handoffDeclaration,
  // The desk's schema, as JSON Schema (its literal's `type` reads as a string to TypeScript).
  inputSchema: handoffDeclaration.inputSchema as JSONSchema7,
};

/**
 * One case answered as one arm: the version's instructions, parameters and knowledge, its model (or the
 * run's), through the same resolver as a chat turn, so the budgets refuse or count each call and the
 * ledger records it under `evaluation` with the version. Tools with effects are not offered (an
 * evaluation must not send mail or write to systems); the desk's handoff is, as a decision only.
 * Rejects only for what ends the run (a budget used up, a model no longer served).
 */
export async function answerCase(
  deps: CaseAnswerDeps,
  subject: CaseSubject,
  arm: EvaluationArm,
  evaluationCase: EvaluationCaseSnapshot,
  signal: AbortSignal,
): Promise<CaseAnswer> {
  const { settings } = arm;
  const resolved = await deps.resolveModel(subject.tenantId, arm.model, {
    path: 'evaluation',
    userId: subject.userId,
    agentId: subject.agentId,
    agentVersion: arm.version,
  });
  const question = evaluationCase.messages.findLast((message) => message.role === 'user')?.content ?? '';
  let knowledge: TurnKnowledge | undefined;
  if (settings.knowledgeSourceIds.length > 0 && deps.knowledgeSearch) {
    try {
      knowledge = await retrieveTurnKnowledge(deps.knowledgeSearch, {
        tenantId: subject.tenantId,
        sourceIds: settings.knowledgeSourceIds,
        query: question,
        signal: AbortSignal.any([AbortSignal.timeout(deps.modelTimeoutMs), signal]),
      });
    } catch (error) {
      return failedAnswer(`The knowledge search failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  let calledHandoff = false;
  const result = await streamModelReply(
    deps.modelStream,
    {
      model: resolved.model,
      providerName: resolved.providerName,
      metricLabels: resolved.metricLabels,
      system: systemWithKnowledge(settings.instructions.trim() || undefined, knowledge),
      messages: evaluationCase.messages,
      temperature: settings.temperature ?? undefined,
      maxOutputTokens: settings.maxOutputTokens ?? undefined,
      timeoutMs: deps.modelTimeoutMs,
      tools: [handoffTool],
      abortSignal: signal,
    },
    (event) => {
      if (event.type === 'tool-call' && event.toolName === handoffTool.name) calledHandoff = true;
    },
  );
  const cited = knowledge ? citationsCitedIn(knowledge.citations, result.text) : [];
  // The offline model has no tools: given passages and citing none is how it says it found nothing,
  // which the desk takes for a handoff (widget-answering.ts).
  const offlineFoundNothing = resolved.isOffline && knowledge !== undefined && cited.length === 0;
  const inputTokens = result.usage.inputTokens ?? 0;
  const outputTokens = result.usage.outputTokens ?? 0;
  return {
    text: result.text,
    citations: cited.map(({ marker, documentId, documentTitle }) => ({ marker, documentId, documentTitle })),
    passages: (knowledge?.citations ?? []).map(({ marker, excerpt }) => ({ marker, excerpt })),
    isHandoff: calledHandoff || offlineFoundNothing,
    inputTokens,
    outputTokens,
    // The built-in model costs nothing; a provider's model without a price has no cost (null), not zero.
    costMicros: await costOfCall(deps, subject.tenantId, resolved, inputTokens, outputTokens),
    latencyMs: Math.round(result.durationMs),
    error: result.error ? result.error.message : null,
  };
}

/** The built-in model costs nothing; a provider's model without a price has no cost (null), not zero. */
export async function costOfCall(
  deps: Pick<CaseAnswerDeps, 'costOf'>,
  tenantId: string,
  resolved: { readonly modelRef: string; readonly isOffline: boolean },
  inputTokens: number,
  outputTokens: number,
): Promise<number | null> {
  if (resolved.isOffline) return 0;
  return (await deps.costOf(tenantId, { modelRef: resolved.modelRef, inputTokens, outputTokens })) ?? null;
}

function failedAnswer(error: string): CaseAnswer {
  return {
    text: '',
    citations: [],
    passages: [],
    isHandoff: false,
    inputTokens: 0,
    outputTokens: 0,
    costMicros: null,
    latencyMs: 0,
    error,
  };
}
