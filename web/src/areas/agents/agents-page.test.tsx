import { cleanup, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { addConsoleStylesheet, fakeApi, pageOf, renderArea } from '../../ui/test-harness';
import { agentsArea } from './agents-area';
import type { Agent } from './agents-api';

const longName = `Agent ${'Ω'.repeat(60)} ${'x'.repeat(33)}`;
const agent: Agent = {
  id: '6f1c0b6e-8a57-4a55-9a43-0c8b1d2c3e4f',
  name: longName,
  instructions: '',
  model: 'openai:gpt-4o-mini',
  temperature: null,
  maxOutputTokens: null,
  visibility: 'tenant',
  knowledgeSourceIds: [],
  ownerId: null,
  createdBy: 'u-self',
  createdAt: '2025-01-01T10:00:00.000Z',
  updatedAt: '2025-01-01T10:00:00.000Z',
};

let removeStylesheet = () => {};
afterEach(() => {
  cleanup();
  removeStylesheet();
});

describe('agents list', () => {
  it('lets a long name without spaces break inside its cell rather than widen the table', async () => {
    removeStylesheet = await addConsoleStylesheet();
    const server = fakeApi({ 'GET /v1/agents': () => pageOf([agent]) });
    await renderArea(agentsArea.element, { fetchImpl: server.fetchImpl, areaPath: '/agents', path: '/agents' });

    const nameCell = await screen.findByRole('rowheader', { name: longName });
    // jsdom lays nothing out: what it can show is that the rule which lets the word break applies.
    expect(getComputedStyle(nameCell).overflowWrap).toBe('anywhere');
    expect(getComputedStyle(screen.getByRole('heading', { name: 'Agents' })).overflowWrap).toBe('anywhere');
  });
});
