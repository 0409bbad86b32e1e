import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeApi, pageOf, renderArea } from '../../ui/test-harness';
import { agentsArea } from './agents-area';
import type { Agent } from './agents-api';
import type { AgentVersionSummary } from './agent-versions-section';

afterEach(cleanup);

const agent: Agent = {
  id: '6f1c0b6e-8a57-4a55-9a43-0c8b1d2c3e4f',
  name: 'Support',
  instructions: 'Greet.\nAnswer briefly.',
  model: 'offline',
  temperature: null,
  maxOutputTokens: null,
  visibility: 'tenant',
  knowledgeSourceIds: [],
  ownerId: null,
  createdBy: 'u-self',
  publishedVersion: 1,
  draftVersion: 2,
  createdAt: '2025-01-01T10:00:00.000Z',
  updatedAt: '2025-01-01T10:00:00.000Z',
};

const version = (number: number, state: AgentVersionSummary['state']): AgentVersionSummary => ({
  number,
  state,
  note: number === 2 ? 'Longer answers' : null,
  createdBy: 'u-self',
  createdAt: '2025-01-02T10:00:00.000Z',
  publishedAt: state === 'published' ? '2025-01-02T10:00:00.000Z' : null,
  changed: number === 1 ? ['instructions', 'model'] : ['instructions'],
});

function versionsServer() {
  return fakeApi({
    'GET /v1/providers/models': () => Response.json({ models: ['offline'], defaultModel: 'offline' }),
    'GET /v1/knowledge-sources': () => pageOf([]),
    'GET /v1/agents/tool-catalog': () => Response.json({ items: [] }),
    'GET /v1/agents/:id': () => Response.json(agent),
    'GET /v1/agents/:id/versions': () =>
      Response.json({ items: [version(2, 'draft'), version(1, 'published')], nextBefore: null }),
    'GET /v1/agents/:id/versions/:number/diff': () =>
      Response.json({
        agentId: agent.id,
        from: 1,
        to: 2,
        changes: [
          {
            field: 'instructions',
            before: 'Greet.\nAnswer briefly.',
            after: 'Greet.\nAnswer in detail.',
            lines: [
              { kind: 'same', text: 'Greet.' },
              { kind: 'removed', text: 'Answer briefly.' },
              { kind: 'added', text: 'Answer in detail.' },
            ],
          },
          { field: 'temperature', before: null, after: 0.2 },
        ],
      }),
    'PUT /v1/agents/:id/draft': () => Response.json({ ...version(3, 'draft'), agentId: agent.id }),
    'POST /v1/agents/:id/versions/:number/publish': () => Response.json({ ...agent, publishedVersion: 2 }),
  });
}

const openEditor = (server: ReturnType<typeof fakeApi>) =>
  renderArea(agentsArea.element, { fetchImpl: server.fetchImpl, areaPath: '/agents', path: `/agents/${agent.id}` });

describe('agent versions on the edit page', () => {
  it('lists the versions with the published and the draft marked, and diffs the draft line by line', async () => {
    const server = versionsServer();
    await openEditor(server);
    const versions = await screen.findByRole('region', { name: 'Versions' });
    await within(versions).findByText('Draft');
    expect(within(versions).getByText('Published')).toBeTruthy();
    expect(within(versions).getByText('Longer answers')).toBeTruthy();

    fireEvent.click(within(versions).getByRole('button', { name: 'Compare with published' }));
    const lines = await screen.findByRole('group', { name: 'Personality, line by line' });
    expect([...lines.querySelectorAll('del')].map((line) => line.textContent)).toEqual(['− Answer briefly.']);
    expect([...lines.querySelectorAll('ins')].map((line) => line.textContent)).toEqual(['+ Answer in detail.']);
    expect(screen.getByRole('region', { name: 'Version 2 compared with version 1' }).textContent).toContain('not set');

    fireEvent.click(within(versions).getByRole('button', { name: 'Publish version 2' }));
    await waitFor(() =>
      expect(server.calls.some((call) => call.method === 'POST' && call.path.endsWith('/versions/2/publish'))).toBe(
        true,
      ),
    );
  });

  it('saves the form as a draft with how the agent answers, not its name or who may use it', async () => {
    const server = versionsServer();
    await openEditor(server);
    await screen.findByRole('region', { name: 'Versions' });
    fireEvent.change(await screen.findByLabelText('Personality'), { target: { value: 'Greet.\nAnswer in rhyme.' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save as draft' }));
    await screen.findByText(/Saved as a draft/);
    const put = server.calls.find((call) => call.method === 'PUT');
    expect(put?.path).toBe(`/v1/agents/${agent.id}/draft`);
    expect(put?.body).toMatchObject({ instructions: 'Greet.\nAnswer in rhyme.', model: 'offline' });
    expect(put?.body).not.toHaveProperty('name');
    expect(put?.body).not.toHaveProperty('visibility');
  });
});
