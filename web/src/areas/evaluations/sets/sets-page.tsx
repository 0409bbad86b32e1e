import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { useServices } from '../../../app-context';
import { CursorListView, useCursorList } from '../../../ui/cursor-list';
import { ErrorNotice } from '../../../ui/error-notice';
import { TextField } from '../../../ui/field';
import { excerpt, formatDateTime } from '../../../ui/format';
import { useExclusiveMutation } from '../../../ui/use-exclusive-mutation';
import { evaluationKeys, setPagePath, setsApiPath, type EvaluationSet } from '../evaluations-api';

/** The tenant's evaluation sets, and a new one made by name (its cases are added on its page). */
export function SetsPage() {
  const list = useCursorList<EvaluationSet>(evaluationKeys.sets, setsApiPath, 50);
  return (
    <section className="page" aria-labelledby="evaluations-heading">
      <h1 id="evaluations-heading">Evaluations</h1>
      <p className="muted intro">
        An evaluation set is a list of questions and what a good answer does: cites a document, says or avoids some
        words, hands over to a person or not. Run a set against an agent from the agent&apos;s page to see how a draft
        or another model does before it reaches anyone.
      </p>
      <NewSetForm />
      <CursorListView
        list={list}
        loadingText="Loading evaluation sets…"
        emptyText="No evaluation sets yet. Make one above, then add or import its cases."
      >
        {(sets) => (
          <table className="responsive">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Cases</th>
                <th scope="col">Description</th>
                <th scope="col">Changed</th>
              </tr>
            </thead>
            <tbody>
              {sets.map((set) => (
                <tr key={set.id}>
                  <th scope="row" data-label="Name" className="cell-title">
                    <Link to={setPagePath(set.id)}>{set.name}</Link>
                  </th>
                  <td data-label="Cases">{set.caseCount.toLocaleString('en')}</td>
                  <td data-label="Description" className="cell-excerpt">
                    {set.description.trim() ? excerpt(set.description) : <span className="muted">None</span>}
                  </td>
                  <td data-label="Changed">{formatDateTime(set.updatedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </CursorListView>
    </section>
  );
}

/** A name is all a set needs to start; it opens at once so its cases can be added. */
function NewSetForm() {
  const { api } = useServices();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const create = useExclusiveMutation({
    mutationFn: () => api.post<EvaluationSet>(setsApiPath, { name: name.trim(), description: description.trim() }),
    onSuccess: async (set) => {
      await queryClient.invalidateQueries({ queryKey: evaluationKeys.sets });
      await navigate(setPagePath(set.id));
    },
  });

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    create.mutate();
  }

  return (
    <form className="card stack form" onSubmit={submit} aria-labelledby="new-set-heading">
      <h2 id="new-set-heading">New set</h2>
      <div className="field-row">
        <TextField label="Name" field="name" error={create.error} value={name} onValueChange={setName} required />
        <TextField
          label="Description"
          field="description"
          error={create.error}
          value={description}
          onValueChange={setDescription}
          hint="Optional: what the set covers."
        />
      </div>
      {create.error ? <ErrorNotice error={create.error} /> : null}
      <div className="row form-actions">
        <button type="submit" className="primary" disabled={create.isPending || !name.trim()}>
          {create.isPending ? 'Creating…' : 'Create set'}
        </button>
      </div>
    </form>
  );
}
