import { useQuery } from '@tanstack/react-query';
import { useServices } from '../../app-context';
import type { Page } from '../../ui/cursor-list';

export const evaluationsPath = '/evaluations';
export const setsApiPath = '/v1/evaluation-sets';
export const runsApiPath = '/v1/evaluation-runs';

export const setPagePath = (setId: string) => `${evaluationsPath}/sets/${encodeURIComponent(setId)}`;
export const runPagePath = (runId: string) => `${evaluationsPath}/runs/${encodeURIComponent(runId)}`;
export const setApiPath = (setId: string) => `${setsApiPath}/${encodeURIComponent(setId)}`;
export const runApiPath = (runId: string) => `${runsApiPath}/${encodeURIComponent(runId)}`;
export const gateApiPath = (agentId: string) => `/v1/agents/${encodeURIComponent(agentId)}/evaluation-gate`;

/** An evaluation set as GET /v1/evaluation-sets answers it. */
export interface EvaluationSet {
  id: string;
  name: string;
  description: string;
  caseCount: number;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface CaseMessage {
  role: 'user' | 'assistant';
  content: string;
}

/** What a good answer does; only the expectations given are checked. */
export interface CaseExpectations {
  expectedSources: string[];
  mustInclude: string[];
  mustNotInclude: string[];
  expectHandoff: boolean | null;
  maxLength: number | null;
}

export interface EvaluationCase extends CaseExpectations {
  id: string;
  setId: string;
  messages: CaseMessage[];
  note: string;
  origin: 'manual' | 'import' | 'conversation';
  sourceConversationId: string | null;
  createdAt: string;
}

/** The body of POST …/cases: a question alone, with the expectations to check. */
export interface CaseInput extends CaseExpectations {
  question: string;
  note: string;
}

export interface CheckTally {
  asked: number;
  passed: number;
}

export type CheckName = 'citations' | 'words' | 'handoff' | 'length';

/** One arm's totals in a run. */
export interface ArmSummary {
  arm: number;
  version: number;
  model: string;
  answered: number;
  failed: number;
  passed: number;
  passRate: number;
  checks: Record<CheckName, CheckTally>;
  handoffs: number;
  inputTokens: number;
  outputTokens: number;
  costMicros: number | null;
  averageLatencyMs: number | null;
  judge: { faithfulness: number | null; relevance: number | null; costMicros: number | null } | null;
}

export type RunStatus = 'queued' | 'running' | 'completed' | 'stopped' | 'failed';

export interface EvaluationRun {
  id: string;
  agentId: string;
  setId: string | null;
  setName: string;
  status: RunStatus;
  isStopRequested: boolean;
  error: string | null;
  arms: { version: number; model: string; isModelOverridden: boolean }[];
  judgeModel: string | null;
  judgePrompt: string | null;
  caseCount: number;
  progress: { done: number; total: number };
  summary: ArmSummary[];
  createdBy: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface CaseAnswer {
  arm: number;
  answer: string;
  citations: { marker: number; documentId: string; documentTitle: string }[];
  isHandoff: boolean;
  inputTokens: number;
  outputTokens: number;
  costMicros: number | null;
  latencyMs: number;
  checks: Partial<Record<CheckName, boolean>>;
  isPassed: boolean;
  judgement: {
    faithfulness: number | null;
    relevance: number | null;
    reason: string;
    costMicros: number | null;
    error?: string;
  } | null;
  error: string | null;
}

export interface RunCase extends CaseExpectations {
  index: number;
  caseId: string;
  messages: CaseMessage[];
  /** One per arm; null while that arm has not answered yet. */
  answers: (CaseAnswer | null)[];
  isDifferent: boolean;
}

export interface RunCasePage {
  items: RunCase[];
  nextFrom: number | null;
}

/** A side of a run as POST /v1/evaluation-runs takes it. */
export interface ArmInput {
  version: 'published' | 'draft' | number;
  model?: string;
}

export interface StartRunInput {
  setId: string;
  agentId: string;
  arms: ArmInput[];
  judgeModel?: string;
}

export interface EvaluationGate {
  agentId: string;
  setId: string | null;
}

export const evaluationKeys = {
  all: ['evaluations'] as const,
  /** Both lists of sets (the Evaluations page and the pickers): a set made, renamed or changed in size. */
  setLists: ['evaluations', 'set-lists'] as const,
  sets: ['evaluations', 'set-lists', 'page'] as const,
  setChoices: ['evaluations', 'set-lists', 'choices'] as const,
  /** One set, and below it its cases. */
  set: (setId: string) => ['evaluations', 'set', setId] as const,
  cases: (setId: string) => ['evaluations', 'set', setId, 'cases'] as const,
  runs: (agentId: string) => ['evaluations', 'runs', 'of-agent', agentId] as const,
  run: (runId: string) => ['evaluations', 'runs', 'one', runId] as const,
  /** Every page of a run's cases, whichever filter read them. */
  runCases: (runId: string) => ['evaluations', 'runs', 'cases', runId] as const,
  runCasePages: (runId: string, isOnlyDifferent: boolean) =>
    ['evaluations', 'runs', 'cases', runId, isOnlyDifferent] as const,
  gate: (agentId: string) => ['evaluations', 'gate', agentId] as const,
};

/** Whether a run may still change: read it again until it has ended. */
export const isGoing = (status: RunStatus) => status === 'queued' || status === 'running';

/** Every set of the tenant (a few pages at most in practice), for a picker. */
export function useSetChoices() {
  const { api } = useServices();
  return useQuery({
    queryKey: evaluationKeys.setChoices,
    queryFn: async () => {
      const sets: EvaluationSet[] = [];
      let cursor: string | null = null;
      for (let pages = 0; pages < 10; pages += 1) {
        const params = new URLSearchParams({ limit: '100' });
        if (cursor) params.set('cursor', cursor);
        const page: Page<EvaluationSet> = await api.get(`${setsApiPath}?${params.toString()}`);
        sets.push(...page.items);
        cursor = page.nextCursor;
        if (!cursor) break;
      }
      return sets;
    },
  });
}
