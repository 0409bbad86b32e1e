import {
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';
import { agents, type AgentSettings } from './agents.js';
import { createdAt, tenantColumn, updatedAt } from './columns.js';
import { users } from './users.js';

/** One message of a case's conversation, as a person or the AI wrote it. */
export interface EvaluationMessage {
  readonly role: 'user' | 'assistant';
  readonly content: string;
}

/** What a good answer to a case does; every part is optional, and only the parts given are checked. */
export interface EvaluationExpectations {
  /** Documents a good answer cites, by title or id (each must be cited). */
  readonly expectedSources: readonly string[];
  readonly mustInclude: readonly string[];
  readonly mustNotInclude: readonly string[];
  /** Whether the AI should hand the conversation to a person; null: not checked. */
  readonly expectHandoff: boolean | null;
  /** The longest a good answer is, in characters; null: not checked. */
  readonly maxLength: number | null;
}

/** A named list of cases an agent's versions are tried on (docs/agents.md, "Evaluations"). */
export const evaluationSets = pgTable(
  'evaluation_sets',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantColumn(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    index('evaluation_sets_tenant_created_idx').on(table.tenantId, table.createdAt),
    index('evaluation_sets_created_by_idx').on(table.createdBy),
  ],
);

export const evaluationCaseOrigins = ['manual', 'import', 'conversation'] as const;

export const evaluationCases = pgTable(
  'evaluation_cases',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantColumn(),
    setId: uuid('set_id')
      .notNull()
      .references(() => evaluationSets.id, { onDelete: 'cascade' }),
    /** The conversation up to the question: its last message is the person's. */
    messages: jsonb('messages').$type<EvaluationMessage[]>().notNull(),
    expectations: jsonb('expectations').$type<EvaluationExpectations>().notNull(),
    note: text('note').notNull().default(''),
    origin: text('origin', { enum: evaluationCaseOrigins }).notNull(),
    /** The conversation it was saved from, when it was (not a reference: the conversation may be deleted). */
    sourceConversationId: uuid('source_conversation_id'),
    createdAt: createdAt(),
  },
  (table) => [
    index('evaluation_cases_set_created_idx').on(table.setId, table.createdAt),
    index('evaluation_cases_tenant_idx').on(table.tenantId),
  ],
);

/** One side of a run: a version of the agent, on its own model or another. */
export interface EvaluationArm {
  readonly version: number;
  /** The model the version answered with: its own, or the one the run named instead. */
  readonly model: string;
  readonly isModelOverridden: boolean;
  /** The version's settings as the run read them when it started (with the model it answers with). */
  readonly settings: AgentSettings;
}

/** What one arm of a run did, over all its cases: stored when the run ends, counted live before. */
export interface EvaluationArmSummary {
  readonly arm: number;
  readonly version: number;
  readonly model: string;
  readonly answered: number;
  readonly failed: number;
  readonly passed: number;
  /** passed / cases of the run, 0 to 1. */
  readonly passRate: number;
  /** Per check: how many answers it was asked of and how many passed. */
  readonly checks: Record<
    'citations' | 'words' | 'handoff' | 'length',
    { readonly asked: number; readonly passed: number }
  >;
  readonly handoffs: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** null when a call's model has no price in the price table. */
  readonly costMicros: number | null;
  readonly averageLatencyMs: number | null;
  readonly judge: {
    readonly faithfulness: number | null;
    readonly relevance: number | null;
    readonly costMicros: number | null;
  } | null;
}

/** A case as the run read it when it started: later edits of the set change no run. */
export interface EvaluationCaseSnapshot extends EvaluationExpectations {
  readonly id: string;
  readonly messages: readonly EvaluationMessage[];
  readonly note: string;
}

export const evaluationRunStatuses = ['queued', 'running', 'completed', 'stopped', 'failed'] as const;
export type EvaluationRunStatus = (typeof evaluationRunStatuses)[number];

export const evaluationRuns = pgTable(
  'evaluation_runs',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantColumn(),
    setId: uuid('set_id').references(() => evaluationSets.id, { onDelete: 'set null' }),
    setName: text('set_name').notNull(),
    agentId: uuid('agent_id')
      .notNull()
      .references(() => agents.id, { onDelete: 'cascade' }),
    arms: jsonb('arms').$type<EvaluationArm[]>().notNull(),
    cases: jsonb('cases').$type<EvaluationCaseSnapshot[]>().notNull(),
    judgeModel: text('judge_model'),
    status: text('status', { enum: evaluationRunStatuses }).notNull(),
    isStopRequested: boolean('is_stop_requested').notNull().default(false),
    /** Each arm's totals, written when the run ends (read from the results while it runs). */
    summary: jsonb('summary').$type<EvaluationArmSummary[]>(),
    error: text('error'),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    startedAt: timestamp('started_at', { withTimezone: true, mode: 'date' }),
    finishedAt: timestamp('finished_at', { withTimezone: true, mode: 'date' }),
  },
  (table) => [
    index('evaluation_runs_tenant_agent_created_idx').on(table.tenantId, table.agentId, table.createdAt),
    index('evaluation_runs_set_idx').on(table.setId),
    index('evaluation_runs_created_by_idx').on(table.createdBy),
    index('evaluation_runs_agent_idx').on(table.agentId),
  ],
);

/** Each check's outcome for one answer: true passed, false failed; absent when the case does not ask it. */
export interface EvaluationChecks {
  readonly citations?: boolean;
  readonly words?: boolean;
  readonly handoff?: boolean;
  readonly length?: boolean;
}

/** The judge model's scores, 1 to 5, with its reasons. */
export interface EvaluationJudgement {
  readonly faithfulness: number | null;
  readonly relevance: number | null;
  readonly reason: string;
  readonly costMicros: number | null;
  readonly error?: string;
}

export interface EvaluationCitation {
  readonly marker: number;
  readonly documentId: string;
  readonly documentTitle: string;
}

/** One case answered by one arm of a run. Written once; a run resumed after its node died skips it. */
export const evaluationResults = pgTable(
  'evaluation_results',
  {
    tenantId: tenantColumn(),
    runId: uuid('run_id')
      .notNull()
      .references(() => evaluationRuns.id, { onDelete: 'cascade' }),
    caseIndex: integer('case_index').notNull(),
    arm: smallint('arm').notNull(),
    answer: text('answer').notNull(),
    citations: jsonb('citations').$type<EvaluationCitation[]>().notNull(),
    isHandoff: boolean('is_handoff').notNull(),
    inputTokens: integer('input_tokens').notNull(),
    outputTokens: integer('output_tokens').notNull(),
    costMicros: bigint('cost_micros', { mode: 'number' }),
    latencyMs: integer('latency_ms').notNull(),
    checks: jsonb('checks').$type<EvaluationChecks>().notNull(),
    isPassed: boolean('is_passed').notNull(),
    judgement: jsonb('judgement').$type<EvaluationJudgement>(),
    error: text('error'),
    createdAt: createdAt(),
  },
  (table) => [
    primaryKey({ columns: [table.runId, table.caseIndex, table.arm] }),
    index('evaluation_results_tenant_idx').on(table.tenantId),
  ],
);

/** An agent whose publishing waits for an evaluation (docs/agents.md, "A gate before publish"). */
export const evaluationGates = pgTable(
  'evaluation_gates',
  {
    agentId: uuid('agent_id')
      .primaryKey()
      .references(() => agents.id, { onDelete: 'cascade' }),
    tenantId: tenantColumn(),
    setId: uuid('set_id')
      .notNull()
      .references(() => evaluationSets.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
  },
  (table) => [
    index('evaluation_gates_tenant_idx').on(table.tenantId),
    index('evaluation_gates_set_idx').on(table.setId),
  ],
);
