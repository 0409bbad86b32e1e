import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { useServices } from '../../../app-context';
import { DeleteWithConfirm } from '../../../ui/delete-with-confirm';
import { ErrorNotice } from '../../../ui/error-notice';
import { evaluationKeys, evaluationsPath, setApiPath, type EvaluationSet } from '../evaluations-api';
import { CaseForm } from './case-form';
import { CaseImport } from './case-import';
import { CasesTable } from './cases-table';

/** One set: its cases, a case added by hand or many imported from a file, and the set deleted. */
export function SetPage() {
  const { setId = '' } = useParams();
  const { api } = useServices();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [isAdding, setIsAdding] = useState(false);
  const set = useQuery({
    queryKey: evaluationKeys.set(setId),
    queryFn: () => api.get<EvaluationSet>(setApiPath(setId)),
  });

  // The count on this page and in the lists, and the cases themselves, all change with a case.
  const refreshCases = async () => {
    await queryClient.invalidateQueries({ queryKey: evaluationKeys.set(setId) });
    await queryClient.invalidateQueries({ queryKey: evaluationKeys.setLists });
  };

  if (set.isPending) return <p className="page muted state-text">Loading the set…</p>;
  if (set.isError) {
    return (
      <section className="page">
        <Link className="chat-back" to={evaluationsPath}>
          ← Evaluations
        </Link>
        <h1>Evaluation set</h1>
        <ErrorNotice error={set.error} onRetry={() => void set.refetch()} />
      </section>
    );
  }
  const current = set.data;
  return (
    <section className="page" aria-labelledby="set-heading">
      <Link to={evaluationsPath}>← Evaluations</Link>
      <div className="row page-header">
        <h1 id="set-heading">{current.name}</h1>
        <span className="spacer" />
        <DeleteWithConfirm
          title={`Delete the set ${current.name}?`}
          confirmLabel="Delete set"
          onDelete={() => api.delete(setApiPath(current.id))}
          onDeleted={async () => {
            // Away first: read again here, the deleted set would answer 404.
            await navigate(evaluationsPath);
            queryClient.removeQueries({ queryKey: evaluationKeys.set(current.id) });
            await queryClient.invalidateQueries({ queryKey: evaluationKeys.setLists });
          }}
        >
          Its {current.caseCount.toLocaleString('en')} cases go with it. Runs made with it keep the cases they read; a
          publish gate that named it is lifted.
        </DeleteWithConfirm>
      </div>
      {current.description ? <p className="intro">{current.description}</p> : null}
      <p className="muted intro" role="status">
        {current.caseCount === 1 ? '1 case' : `${current.caseCount.toLocaleString('en')} cases`}
      </p>
      <div className="row">
        <button type="button" aria-expanded={isAdding} onClick={() => setIsAdding(!isAdding)}>
          {isAdding ? 'Close the new case' : 'Add a case'}
        </button>
      </div>
      {isAdding ? <CaseForm setId={current.id} onAdded={refreshCases} /> : null}
      <CaseImport setId={current.id} onImported={refreshCases} />
      <CasesTable setId={current.id} onRemoved={refreshCases} />
    </section>
  );
}
