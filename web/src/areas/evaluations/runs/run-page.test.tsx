import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeApi, renderArea } from '../../../ui/test-harness';
import { evaluationsArea } from '../evaluations-area';
import type { ArmSummary, CaseAnswer, EvaluationRun, RunCase } from '../evaluations-api';

afterEach(cleanup);

const runId = '0b6f6a3e-6f0e-4f5d-9d55-2f3c4b1a0001';

const arm = (overrides: Partial<ArmSummary>): ArmSummary => ({
  arm: 0,
  version: 1,
  model: 'openai:gpt-4o-mini',
  answered: 3,
  failed: 0,
  passed: 2,
  passRate: 0.6667,
  checks: {
    citations: { asked: 1, passed: 1 },
    words: { asked: 2, passed: 1 },
    handoff: { asked: 1, passed: 1 },
    length: { asked: 0, passed: 0 },
  },
  handoffs: 1,
  inputTokens: 300,
  outputTokens: 30,
  costMicros: 1_500,
  averageLatencyMs: 420,
  judge: null,
  ...overrides,
});

const run = (overrides: Partial<EvaluationRun> = {}): EvaluationRun => ({
  id: runId,
  agentId: 'agent-1',
  setId: 'set-1',
  setName: 'Returns',
  status: 'completed',
  isStopRequested: false,
  error: null,
  arms: [
    { version: 1, model: 'openai:gpt-4o-mini', isModelOverridden: false },
    { version: 2, model: 'openai:gpt-4o-mini', isModelOverridden: false },
  ],
  judgeModel: 'openai:gpt-4o-mini',
  judgePrompt: 'You grade one answer for faithfulness and relevance.',
  caseCount: 3,
  progress: { done: 6, total: 6 },
  summary: [
    arm({ judge: { faithfulness: 4, relevance: 4, costMicros: 10 } }),
    arm({
      arm: 1,
      version: 2,
      passed: 3,
      passRate: 1,
      inputTokens: 400,
      checks: {
        citations: { asked: 1, passed: 1 },
        words: { asked: 2, passed: 2 },
        handoff: { asked: 1, passed: 1 },
        length: { asked: 0, passed: 0 },
      },
      judge: { faithfulness: 5, relevance: 4, costMicros: 10 },
    }),
  ],
  createdBy: 'u-self',
  createdAt: '2026-01-01T10:00:00.000Z',
  startedAt: '2026-01-01T10:00:01.000Z',
  finishedAt: '2026-01-01T10:00:09.000Z',
  ...overrides,
});

const answer = (overrides: Partial<CaseAnswer>): CaseAnswer => ({
  arm: 0,
  answer: 'We ship to most countries.',
  citations: [],
  isHandoff: false,
  inputTokens: 100,
  outputTokens: 10,
  costMicros: 500,
  latencyMs: 400,
  checks: { words: true },
  isPassed: true,
  judgement: { faithfulness: 4, relevance: 4, reason: 'Fine.', costMicros: 3 },
  error: null,
  ...overrides,
});

const runCase = (index: number, question: string, answers: CaseAnswer[], isDifferent: boolean): RunCase => ({
  index,
  caseId: `00000000-0000-4000-8000-00000000000${index}`,
  messages: [{ role: 'user', content: question }],
  expectedSources: [],
  mustInclude: index === 0 ? ['30 days'] : [],
  mustNotInclude: [],
  expectHandoff: null,
  maxLength: null,
  answers,
  isDifferent,
});

const differing = runCase(
  0,
  'How long do I have to return a parcel?',
  [
    answer({ answer: 'Parcels can be returned [1].', isPassed: false, checks: { words: false } }),
    answer({
      arm: 1,
      answer: 'Parcels can be returned within 30 days [1].',
      citations: [{ marker: 1, documentId: 'd1', documentTitle: 'returns.md' }],
    }),
  ],
  true,
);
const agreeing = runCase(1, 'Do you ship abroad?', [answer({}), answer({ arm: 1 })], false);

function runServer(current: () => EvaluationRun) {
  return fakeApi({
    'GET /v1/evaluation-runs/:id': () => Response.json(current()),
    'GET /v1/evaluation-runs/:id/cases': (call) =>
      Response.json({
        items: call.search.includes('onlyDifferent=true') ? [differing] : [differing, agreeing],
        nextFrom: null,
      }),
    'POST /v1/evaluation-runs/:id/stop': () => Response.json(current()),
  });
}

const openRun = (server: ReturnType<typeof fakeApi>) =>
  renderArea(evaluationsArea.element, {
    fetchImpl: server.fetchImpl,
    areaPath: '/evaluations',
    path: `/evaluations/runs/${runId}`,
  });

describe('the run page', () => {
  it('shows both arms side by side and marks the outcomes and the case where they differ', async () => {
    await openRun(runServer(() => run()));
    await screen.findByRole('heading', { name: 'Run of Returns', level: 1 });

    const table = screen.getByRole('table', { name: "Each arm's results" });
    const passRate = within(table).getByRole('row', { name: /^Pass rate/ });
    expect(passRate.textContent).toContain('66.7%');
    expect(passRate.textContent).toContain('100.0%');
    expect(passRate.textContent).toContain('Differs');
    expect(passRate.textContent).toContain('+33.3 points');
    const words = within(table).getByRole('row', { name: /^Said and avoided the words/ });
    expect(words.textContent).toContain('1 of 2');
    expect(words.textContent).toContain('2 of 2');
    expect(within(table).getByRole('row', { name: /^Handoffs/ }).textContent).not.toContain('Differs');
    // What it cost is compared, not marked: tokens and latency nearly always differ a little.
    const tokens = within(table).getByRole('row', { name: /^Input tokens/ });
    expect(tokens.textContent).toContain('+100');
    expect(tokens.textContent).not.toContain('Differs');
    expect(within(table).getByRole('row', { name: /^Judge: faithfulness/ }).textContent).toContain('5.0 / 5');

    const cases = await screen.findByRole('list', { name: 'Cases of the run' });
    await within(cases).findByRole('listitem', { name: 'Case 1, the arms differ' });
    const marked = within(cases).getByRole('listitem', { name: 'Case 1, the arms differ' });
    expect(within(marked).getByText('Arms differ')).toBeTruthy();
    const before = within(marked).getByRole('region', { name: 'Version 1' });
    const after = within(marked).getByRole('region', { name: 'Version 2' });
    expect(within(before).getByText('Parcels can be returned [1].')).toBeTruthy();
    expect(within(before).getByText('Failed')).toBeTruthy();
    expect(within(after).getByText('Parcels can be returned within 30 days [1].')).toBeTruthy();
    expect(within(after).getByText('[1] returns.md')).toBeTruthy();
    const unmarked = within(cases).getByRole('listitem', { name: 'Case 2' });
    expect(within(unmarked).queryByText('Arms differ')).toBeNull();

    expect(screen.getByText("The judge's instructions")).toBeTruthy();
    expect(screen.getByText('You grade one answer for faithfulness and relevance.')).toBeTruthy();
  });

  it('asks the server for the differing cases only when the toggle is on', async () => {
    const server = runServer(() => run());
    await openRun(server);
    const cases = await screen.findByRole('list', { name: 'Cases of the run' });
    await within(cases).findByRole('listitem', { name: 'Case 2' });

    fireEvent.click(screen.getByRole('checkbox', { name: 'Only where they differ' }));
    await waitFor(() => expect(within(cases).queryByRole('listitem', { name: 'Case 2' })).toBeNull());
    expect(within(cases).getByRole('listitem', { name: 'Case 1, the arms differ' })).toBeTruthy();
    const reads = server.calls.filter((call) => call.path.endsWith('/cases'));
    expect(reads.at(-1)?.search).toContain('onlyDifferent=true');
    expect(reads[0]?.search).not.toContain('onlyDifferent');
  });

  it('shows the progress and stops a run that is going', async () => {
    let current = run({ status: 'running', progress: { done: 2, total: 6 } });
    const server = runServer(() => current);
    await openRun(server);
    expect(await screen.findByRole('progressbar', { name: 'Answers so far' })).toBeTruthy();
    expect(screen.getByText('2 of 6 answers')).toBeTruthy();

    current = run({ status: 'running', isStopRequested: true, progress: { done: 2, total: 6 } });
    fireEvent.click(screen.getByRole('button', { name: 'Stop the run' }));
    await screen.findByRole('button', { name: 'Stopping…' });
    expect(server.callsTo('POST', `/v1/evaluation-runs/${runId}/stop`)).toHaveLength(1);
  });
});
