import { useState } from 'react';
import { useServices } from '../../../app-context';
import { ConfirmDialog } from '../../../ui/confirm-dialog';
import { CursorListView, useCursorList } from '../../../ui/cursor-list';
import { excerpt } from '../../../ui/format';
import { RowActions } from '../../../ui/row-actions';
import { useExclusiveMutation } from '../../../ui/use-exclusive-mutation';
import { expectationParts, questionOf } from '../evaluation-format';
import { evaluationKeys, setApiPath, type EvaluationCase } from '../evaluations-api';

const originLabels: Record<EvaluationCase['origin'], string> = {
  manual: 'By hand',
  import: 'Imported',
  conversation: 'From a conversation',
};

/** A set's cases, newest first: the question, what is checked in a few words, and a Delete for each. */
export function CasesTable(props: { setId: string; onRemoved: () => Promise<void> }) {
  const { api } = useServices();
  const list = useCursorList<EvaluationCase>(evaluationKeys.cases(props.setId), `${setApiPath(props.setId)}/cases`);
  const [toDelete, setToDelete] = useState<EvaluationCase | null>(null);
  const remove = useExclusiveMutation({
    mutationFn: (item: EvaluationCase) => api.delete(`${setApiPath(props.setId)}/cases/${encodeURIComponent(item.id)}`),
    onSuccess: async () => {
      setToDelete(null);
      await props.onRemoved();
    },
  });

  return (
    <section className="stack" aria-labelledby="cases-heading">
      <h2 id="cases-heading">Cases</h2>
      <CursorListView
        list={list}
        loadingText="Loading the cases…"
        emptyText="No cases yet. Add one by hand, import a file, or save a conversation from Chats or the Inbox."
      >
        {(cases) => (
          <table className="responsive">
            <thead>
              <tr>
                <th scope="col">Question</th>
                <th scope="col">Checks</th>
                <th scope="col">Note</th>
                <th scope="col">Origin</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {cases.map((item) => {
                const question = questionOf(item.messages);
                const checks = expectationParts(item);
                return (
                  <tr key={item.id}>
                    <th scope="row" data-label="Question" className="cell-title cell-break">
                      {excerpt(question, 200)}
                      {item.messages.length > 1 ? (
                        <span className="muted"> (after {item.messages.length - 1} earlier messages)</span>
                      ) : null}
                    </th>
                    <td data-label="Checks">
                      {checks.length > 0 ? (
                        <ul className="plain-list">
                          {checks.map((part) => (
                            <li key={part}>{part}</li>
                          ))}
                        </ul>
                      ) : (
                        <span className="muted">Nothing: the answer is only shown</span>
                      )}
                    </td>
                    <td data-label="Note" className="cell-excerpt">
                      {item.note || <span className="muted">None</span>}
                    </td>
                    <td data-label="Origin">
                      <span className="badge">{originLabels[item.origin]}</span>
                    </td>
                    <td className="cell-actions">
                      <RowActions
                        name={excerpt(question, 60)}
                        onDelete={() => {
                          remove.reset();
                          setToDelete(item);
                        }}
                      />
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </CursorListView>
      {toDelete ? (
        <ConfirmDialog
          title="Delete this case?"
          confirmLabel="Delete case"
          isBusy={remove.isPending}
          error={remove.error}
          onConfirm={() => remove.mutate(toDelete)}
          onCancel={() => setToDelete(null)}
        >
          “{excerpt(questionOf(toDelete.messages), 200)}” leaves the set. Runs made with it keep it.
        </ConfirmDialog>
      ) : null}
    </section>
  );
}
