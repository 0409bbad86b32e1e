import { z } from 'zod';
import { cursorSchema } from '../../../platform/http/common-schemas.js';
import type { EvaluationArmSummary } from '../../../platform/db/schema/index.js';
import { modelRefSchema } from '../../agents/index.js';
import type { EvaluationResultRow, EvaluationRunRow } from './evaluation-runs.repository.js';
import { judgeInstructions } from './judge.js';

/** A side of a run: a version (a number, or the agent's `published` or `draft` one), on its own model or another. */
const armInput = z.strictObject({
  version: z.union([z.literal('published'), z.literal('draft'), z.number().int().min(1)]).default('published'),
  model: modelRefSchema.optional(),
});

export const startRunBody = z.strictObject({
  setId: z.uuid(),
  agentId: z.uuid(),
  /** One arm, or two to compare side by side (a draft and the published version, two versions, two models). */
  arms: z.array(armInput).min(1).max(2, 'a run compares at most two arms'),
  /** A model that scores each answer's faithfulness and relevance (its calls are charged too); absent: no judge. */
  judgeModel: modelRefSchema.optional(),
});
export type StartRunInput = z.infer<typeof startRunBody>;

export const runListQuery = z.strictObject({
  agentId: z.uuid(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: cursorSchema.optional(),
});

export const runCasesQuery = z.strictObject({
  from: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  /** Only the cases whose two answers differ (in passing, or in the handoff decision). */
  onlyDifferent: z
    .enum(['true', 'false'])
    .default('false')
    .transform((value) => value === 'true'),
});

const checkTally = z.object({ asked: z.number().int(), passed: z.number().int() });
const armSummarySchema = z.object({
  arm: z.number().int(),
  version: z.number().int(),
  model: z.string(),
  answered: z.number().int(),
  failed: z.number().int(),
  passed: z.number().int(),
  passRate: z.number(),
  checks: z.object({ citations: checkTally, words: checkTally, handoff: checkTally, length: checkTally }),
  handoffs: z.number().int(),
  inputTokens: z.number().int(),
  outputTokens: z.number().int(),
  costMicros: z.number().int().nullable(),
  averageLatencyMs: z.number().nullable(),
  judge: z
    .object({
      faithfulness: z.number().nullable(),
      relevance: z.number().nullable(),
      costMicros: z.number().int().nullable(),
    })
    .nullable(),
});

export const runSchema = z.object({
  id: z.uuid(),
  agentId: z.uuid(),
  setId: z.uuid().nullable(),
  setName: z.string(),
  status: z.enum(['queued', 'running', 'completed', 'stopped', 'failed']),
  isStopRequested: z.boolean(),
  error: z.string().nullable(),
  arms: z.array(z.object({ version: z.number().int(), model: z.string(), isModelOverridden: z.boolean() })),
  judgeModel: z.string().nullable(),
  /** The judge's instructions as it reads them, before each answer's passages, conversation and answer. */
  judgePrompt: z.string().nullable(),
  caseCount: z.number().int(),
  progress: z.object({ done: z.number().int(), total: z.number().int() }),
  summary: z.array(armSummarySchema),
  createdBy: z.uuid().nullable(),
  createdAt: z.iso.datetime(),
  startedAt: z.iso.datetime().nullable(),
  finishedAt: z.iso.datetime().nullable(),
});
export type RunView = z.infer<typeof runSchema>;

const answerSchema = z.object({
  arm: z.number().int(),
  answer: z.string(),
  citations: z.array(z.object({ marker: z.number().int(), documentId: z.string(), documentTitle: z.string() })),
  isHandoff: z.boolean(),
  inputTokens: z.number().int(),
  outputTokens: z.number().int(),
  costMicros: z.number().int().nullable(),
  latencyMs: z.number().int(),
  checks: z.object({
    citations: z.boolean().optional(),
    words: z.boolean().optional(),
    handoff: z.boolean().optional(),
    length: z.boolean().optional(),
  }),
  isPassed: z.boolean(),
  judgement: z
    .object({
      faithfulness: z.number().nullable(),
      relevance: z.number().nullable(),
      reason: z.string(),
      costMicros: z.number().int().nullable(),
      error: z.string().optional(),
    })
    .nullable(),
  error: z.string().nullable(),
});

export const runCaseSchema = z.object({
  index: z.number().int(),
  caseId: z.uuid(),
  messages: z.array(z.object({ role: z.enum(['user', 'assistant']), content: z.string() })),
  expectedSources: z.array(z.string()),
  mustInclude: z.array(z.string()),
  mustNotInclude: z.array(z.string()),
  expectHandoff: z.boolean().nullable(),
  maxLength: z.number().int().nullable(),
  /** One per arm, in the run's order; null while that arm has not answered it yet. */
  answers: z.array(answerSchema.nullable()),
  /** The two arms disagree: one passed and the other not, or one handed over and the other not. */
  isDifferent: z.boolean(),
});
export const runCasePageSchema = z.object({ items: z.array(runCaseSchema), nextFrom: z.number().int().nullable() });

export const gateSchema = z.object({ agentId: z.uuid(), setId: z.uuid().nullable() });
export const gateBody = z.strictObject({ setId: z.uuid().nullable() });

export function presentRun(row: EvaluationRunRow, done: number, summary: EvaluationArmSummary[]): RunView {
  return {
    id: row.id,
    agentId: row.agentId,
    setId: row.setId,
    setName: row.setName,
    status: row.status,
    isStopRequested: row.isStopRequested,
    error: row.error,
    arms: row.arms.map(({ version, model, isModelOverridden }) => ({ version, model, isModelOverridden })),
    judgeModel: row.judgeModel,
    judgePrompt: row.judgeModel ? judgeInstructions : null,
    caseCount: row.cases.length,
    progress: { done, total: row.cases.length * row.arms.length },
    summary,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    startedAt: row.startedAt?.toISOString() ?? null,
    finishedAt: row.finishedAt?.toISOString() ?? null,
  };
}

export function presentAnswer(row: EvaluationResultRow): z.infer<typeof answerSchema> {
  return {
    arm: row.arm,
    answer: row.answer,
    citations: row.citations,
    isHandoff: row.isHandoff,
    inputTokens: row.inputTokens,
    outputTokens: row.outputTokens,
    costMicros: row.costMicros,
    latencyMs: row.latencyMs,
    checks: row.checks,
    isPassed: row.isPassed,
    judgement: row.judgement,
    error: row.error,
  };
}
