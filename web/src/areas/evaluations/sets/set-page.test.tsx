import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeApi, pageOf, problem, renderArea } from '../../../ui/test-harness';
import { evaluationsArea } from '../evaluations-area';
import type { EvaluationCase, EvaluationSet } from '../evaluations-api';

afterEach(cleanup);

const set: EvaluationSet = {
  id: '1d9b7a52-6c3e-4f0a-8d1e-000000000001',
  name: 'Returns',
  description: 'What customers ask about returns',
  caseCount: 1,
  createdBy: 'u-self',
  createdAt: '2026-01-01T10:00:00.000Z',
  updatedAt: '2026-01-01T10:00:00.000Z',
};

const storedCase: EvaluationCase = {
  id: '3a1f0c9e-0000-4000-8000-000000000001',
  setId: set.id,
  messages: [{ role: 'user', content: 'How long do I have to return a parcel?' }],
  expectedSources: ['returns.md'],
  mustInclude: ['30 days'],
  mustNotInclude: [],
  expectHandoff: false,
  maxLength: 400,
  note: 'The 30-day rule',
  origin: 'manual',
  sourceConversationId: null,
  createdAt: '2026-01-01T10:00:00.000Z',
};

function setServer(onImport: () => Response) {
  return fakeApi({
    'GET /v1/evaluation-sets/:id': () => Response.json(set),
    'GET /v1/evaluation-sets/:id/cases': () => pageOf([storedCase]),
    'POST /v1/evaluation-sets/:id/imports': onImport,
    'POST /v1/evaluation-sets/:id/cases': () => Response.json({ ...storedCase, id: 'new' }, { status: 201 }),
  });
}

const openSet = (server: ReturnType<typeof fakeApi>) =>
  renderArea(evaluationsArea.element, {
    fetchImpl: server.fetchImpl,
    areaPath: '/evaluations',
    path: `/evaluations/sets/${set.id}`,
  });

function chooseFile(content: string, name: string) {
  const input = screen.getByLabelText('Choose a file to import');
  fireEvent.change(input, { target: { files: [new File([content], name, { type: 'text/csv' })] } });
}

describe('an evaluation set', () => {
  it('lists its cases with their expectations in a few words', async () => {
    await openSet(setServer(() => Response.json({ imported: 0, caseCount: 1 })));
    await screen.findByRole('heading', { name: 'Returns', level: 1 });
    const row = await screen.findByRole('row', { name: /How long do I have to return a parcel/ });
    for (const part of ['Cites: returns.md', 'Says: 30 days', 'Does not hand over', 'At most 400 characters']) {
      expect(within(row).getByText(part)).toBeTruthy();
    }
    expect(within(row).getByText('The 30-day rule')).toBeTruthy();
  });

  it('lists each problem of a refused import by line, and imports nothing', async () => {
    const server = setServer(() =>
      problem(400, 'validation_failed', 'Nothing was imported: 2 problems in the file. The first: line 3: …', [
        { field: 'line 3', message: "expect_handoff must be yes, no or empty, not 'maybe'" },
        { field: 'line 4: question', message: 'must not be empty' },
      ]),
    );
    await openSet(server);
    await screen.findByRole('heading', { name: 'Returns', level: 1 });
    const csv = 'question,expect_handoff\nFine?,no\nHmm?,maybe\n,yes\n';
    chooseFile(csv, 'cases.csv');

    const problems = await screen.findByRole('list', { name: 'Problems in cases.csv' });
    expect(
      within(problems)
        .getAllByRole('listitem')
        .map((item) => item.textContent),
    ).toEqual(["line 3: expect_handoff must be yes, no or empty, not 'maybe'", 'line 4: question: must not be empty']);
    expect(screen.getByRole('alert').textContent).toContain('Nothing was imported: 2 problems');
    const sent = server.callsTo('POST', `/v1/evaluation-sets/${set.id}/imports`)[0]?.body;
    expect(sent).toEqual({ format: 'csv', content: csv });
  });

  it('says how many cases a good import added', async () => {
    const server = setServer(() => Response.json({ imported: 2, caseCount: 3 }));
    await openSet(server);
    await screen.findByRole('heading', { name: 'Returns', level: 1 });
    chooseFile('{"question":"A?"}\n{"question":"B?"}\n', 'cases.jsonl');
    expect((await screen.findByText(/Imported 2 cases/)).textContent).toBe(
      'Imported 2 cases from cases.jsonl; the set now has 3.',
    );
    expect(server.callsTo('POST', `/v1/evaluation-sets/${set.id}/imports`)[0]?.body).toMatchObject({
      format: 'jsonl',
    });
  });

  it('adds a case by hand with lists one a line and the handoff expected', async () => {
    const server = setServer(() => Response.json({ imported: 0, caseCount: 1 }));
    await openSet(server);
    fireEvent.click(await screen.findByRole('button', { name: 'Add a case' }));
    const form = screen.getByRole('form', { name: 'New case' });
    const type = (label: string, value: string) =>
      fireEvent.change(within(form).getByLabelText(label), { target: { value } });
    type('Question', 'Can I talk to a person?');
    type('Must include', 'person\n\n colleague ');
    type('Maximum length', '300');
    fireEvent.click(within(form).getByRole('radio', { name: 'Yes, it should hand over to a person' }));
    fireEvent.click(within(form).getByRole('button', { name: 'Add case' }));

    await within(form).findByText('Case added.');
    await waitFor(() => expect(server.callsTo('POST', `/v1/evaluation-sets/${set.id}/cases`)).toHaveLength(1));
    expect(server.callsTo('POST', `/v1/evaluation-sets/${set.id}/cases`)[0]?.body).toEqual({
      question: 'Can I talk to a person?',
      expectedSources: [],
      mustInclude: ['person', 'colleague'],
      mustNotInclude: [],
      expectHandoff: true,
      maxLength: 300,
      note: '',
    });
  });
});
