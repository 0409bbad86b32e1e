import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeApi, pageOf, renderArea } from '../../../ui/test-harness';
import { agentsArea } from '../../agents/agents-area';
import type { Agent } from '../../agents/agents-api';
import type { ArmSummary, EvaluationRun, EvaluationSet } from '../evaluations-api';
import { passRatesByVersion } from './pass-rate-chart';

afterEach(cleanup);

const agent: Agent = {
  id: '6f1c0b6e-8a57-4a55-9a43-0c8b1d2c3e4f',
  name: 'Desk AI',
  instructions: 'Answer briefly.',
  model: 'openai:gpt-4o-mini',
  temperature: null,
  maxOutputTokens: null,
  visibility: 'tenant',
  knowledgeSourceIds: [],
  ownerId: null,
  createdBy: 'u-self',
  publishedVersion: 1,
  draftVersion: 2,
  createdAt: '2026-01-01T10:00:00.000Z',
  updatedAt: '2026-01-01T10:00:00.000Z',
};

const set: EvaluationSet = {
  id: '1d9b7a52-6c3e-4f0a-8d1e-000000000001',
  name: 'Returns',
  description: '',
  caseCount: 3,
  createdBy: 'u-self',
  createdAt: '2026-01-01T10:00:00.000Z',
  updatedAt: '2026-01-01T10:00:00.000Z',
};

const armSummary = (index: number, version: number, passRate: number): ArmSummary => ({
  arm: index,
  version,
  model: 'openai:gpt-4o-mini',
  answered: 3,
  failed: 0,
  passed: Math.round(passRate * 3),
  passRate,
  checks: {
    citations: { asked: 0, passed: 0 },
    words: { asked: 0, passed: 0 },
    handoff: { asked: 0, passed: 0 },
    length: { asked: 0, passed: 0 },
  },
  handoffs: 0,
  inputTokens: 0,
  outputTokens: 0,
  costMicros: 0,
  averageLatencyMs: 100,
  judge: null,
});

const completedRun: EvaluationRun = {
  id: '2e0c1b7f-0000-4000-8000-000000000001',
  agentId: agent.id,
  setId: set.id,
  setName: 'Returns',
  status: 'completed',
  isStopRequested: false,
  error: null,
  arms: [
    { version: 1, model: 'openai:gpt-4o-mini', isModelOverridden: false },
    { version: 2, model: 'openai:gpt-4o-mini', isModelOverridden: false },
  ],
  judgeModel: null,
  judgePrompt: null,
  caseCount: 3,
  progress: { done: 6, total: 6 },
  summary: [armSummary(0, 1, 0.6667), armSummary(1, 2, 1)],
  createdBy: 'u-self',
  createdAt: '2026-01-02T10:00:00.000Z',
  startedAt: '2026-01-02T10:00:01.000Z',
  finishedAt: '2026-01-02T10:00:09.000Z',
};

function agentServer() {
  const runs: EvaluationRun[] = [completedRun];
  return fakeApi({
    'GET /v1/providers/models': () =>
      Response.json({ models: ['openai:gpt-4o-mini', 'openai:gpt-4o'], defaultModel: 'openai:gpt-4o-mini' }),
    'GET /v1/knowledge-sources': () => pageOf([]),
    'GET /v1/agents/tool-catalog': () => Response.json({ items: [] }),
    'GET /v1/agents/:id': () => Response.json(agent),
    'GET /v1/agents/:id/versions': () => Response.json({ items: [], nextBefore: null }),
    'GET /v1/evaluation-sets': () => pageOf([set]),
    'GET /v1/evaluation-runs': () => pageOf(runs),
    'POST /v1/evaluation-runs': () => {
      const started: EvaluationRun = {
        ...completedRun,
        id: '2e0c1b7f-0000-4000-8000-000000000002',
        status: 'queued',
        progress: { done: 0, total: 6 },
        summary: [armSummary(0, 1, 0), armSummary(1, 2, 0)],
      };
      runs.unshift(started);
      return Response.json(started, { status: 201 });
    },
    'GET /v1/agents/:id/evaluation-gate': () => Response.json({ agentId: agent.id, setId: null }),
    'PUT /v1/agents/:id/evaluation-gate': (call) =>
      Response.json({ agentId: agent.id, ...(call.body as { setId: string | null }) }),
  });
}

const openAgent = (server: ReturnType<typeof fakeApi>) =>
  renderArea(agentsArea.element, { fetchImpl: server.fetchImpl, areaPath: '/agents', path: `/agents/${agent.id}` });

describe('evaluations on the agent page', () => {
  it('starts a run comparing the published version with the draft by default, and lists it', async () => {
    const server = agentServer();
    await openAgent(server);
    const section = await screen.findByRole('region', { name: 'Evaluations' });
    const form = within(section).getByRole('form', { name: 'Start a run' });
    await within(form).findByRole('option', { name: 'Returns (3 cases)' });
    expect(within(form).getByRole('checkbox', { name: 'Compare two arms side by side' })).toHaveProperty(
      'checked',
      true,
    );
    const first = within(form).getByRole('group', { name: 'First arm' });
    const second = within(form).getByRole('group', { name: 'Second arm' });
    expect(within(first).getByLabelText<HTMLSelectElement>('Version').value).toBe('published');
    expect(within(second).getByLabelText<HTMLSelectElement>('Version').value).toBe('draft');
    await within(second).findByRole('option', { name: 'openai:gpt-4o' });
    fireEvent.change(within(second).getByLabelText('Model override'), { target: { value: 'openai:gpt-4o' } });
    fireEvent.change(within(form).getByLabelText('Judge model'), { target: { value: 'openai:gpt-4o-mini' } });

    fireEvent.click(within(form).getByRole('button', { name: 'Start run' }));
    await within(form).findByText(/Run started/);
    expect(server.callsTo('POST', '/v1/evaluation-runs')[0]?.body).toEqual({
      setId: set.id,
      agentId: agent.id,
      arms: [{ version: 'published' }, { version: 'draft', model: 'openai:gpt-4o' }],
      judgeModel: 'openai:gpt-4o-mini',
    });
    const runs = within(section).getByRole('table', { name: 'Runs of this agent' });
    await within(runs).findByText('Queued');
    expect(within(runs).getByText('Completed')).toBeTruthy();
    expect(within(runs).getByText('100.0%')).toBeTruthy();
  });

  it('runs one arm when asked, and saves the publish gate', async () => {
    const server = agentServer();
    await openAgent(server);
    const section = await screen.findByRole('region', { name: 'Evaluations' });
    const form = within(section).getByRole('form', { name: 'Start a run' });
    await within(form).findByRole('option', { name: 'Returns (3 cases)' });
    fireEvent.click(within(form).getByRole('checkbox', { name: 'Compare two arms side by side' }));
    expect(within(form).queryByRole('group', { name: 'Second arm' })).toBeNull();
    fireEvent.click(within(form).getByRole('button', { name: 'Start run' }));
    await waitFor(() => expect(server.callsTo('POST', '/v1/evaluation-runs')).toHaveLength(1));
    expect(server.callsTo('POST', '/v1/evaluation-runs')[0]?.body).toEqual({
      setId: set.id,
      agentId: agent.id,
      arms: [{ version: 'published' }],
    });

    const gate = within(section).getByRole('form', { name: 'Publish gate' });
    const picker = within(gate).getByLabelText('Before publishing, run the set');
    await within(gate).findByRole('option', { name: 'Returns' });
    fireEvent.change(picker, { target: { value: set.id } });
    fireEvent.click(within(gate).getByRole('button', { name: 'Save gate' }));
    await within(gate).findByText('Saved.');
    expect(server.callsTo('PUT', `/v1/agents/${agent.id}/evaluation-gate`)[0]?.body).toEqual({ setId: set.id });
  });

  it('charts the newest completed pass rate of each version, leaving out arms on another model', () => {
    const older: EvaluationRun = {
      ...completedRun,
      id: 'older',
      summary: [armSummary(0, 1, 0.3333), armSummary(1, 2, 0.6667)],
    };
    const onOtherModel: EvaluationRun = {
      ...completedRun,
      id: 'other-model',
      arms: [
        { version: 2, model: 'openai:gpt-4o-mini', isModelOverridden: false },
        { version: 3, model: 'openai:gpt-4o', isModelOverridden: true },
      ],
      summary: [armSummary(0, 2, 1), armSummary(1, 3, 0)],
    };
    const going: EvaluationRun = { ...completedRun, id: 'going', status: 'running' };
    // Newest first, as the API lists them.
    expect(passRatesByVersion([going, onOtherModel, completedRun, older])).toEqual({
      versions: [1, 2],
      sets: [{ key: set.id, name: 'Returns', rates: [0.6667, 1] }],
    });
  });
});
