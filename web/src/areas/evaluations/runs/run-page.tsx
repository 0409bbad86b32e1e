import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { Link, useParams } from 'react-router';
import { useServices } from '../../../app-context';
import { ErrorNotice } from '../../../ui/error-notice';
import { formatDateTime } from '../../../ui/format';
import { useExclusiveMutation } from '../../../ui/use-exclusive-mutation';
import { armLabel } from '../evaluation-format';
import { evaluationKeys, evaluationsPath, isGoing, runApiPath, type EvaluationRun } from '../evaluations-api';
import { RunCases } from './run-cases';
import { RunStatusBadge } from './run-status-badge';
import { RunSummaryTable } from './run-summary-table';

/** How often a run that has not ended is read again: its progress and totals move as cases are answered. */
const pollWhileGoingMs = 1500;

/** One run: each arm's totals side by side, its progress and Stop while it goes, then the cases. */
export function RunPage() {
  const { runId = '' } = useParams();
  const { api } = useServices();
  const queryClient = useQueryClient();
  const run = useQuery({
    queryKey: evaluationKeys.run(runId),
    queryFn: () => api.get<EvaluationRun>(runApiPath(runId)),
    refetchInterval: (query) => (query.state.data && isGoing(query.state.data.status) ? pollWhileGoingMs : false),
  });
  const stop = useExclusiveMutation({
    mutationFn: () => api.post<EvaluationRun>(`${runApiPath(runId)}/stop`),
    onSuccess: (stopped) => queryClient.setQueryData(evaluationKeys.run(runId), stopped),
  });

  // The cases were last read while it went: once it has ended, read them once more for the last answers.
  const status = run.data?.status;
  const previousStatus = useRef(status);
  useEffect(() => {
    const wasGoing = previousStatus.current !== undefined && isGoing(previousStatus.current);
    previousStatus.current = status;
    if (wasGoing && status !== undefined && !isGoing(status)) {
      void queryClient.invalidateQueries({ queryKey: evaluationKeys.runCases(runId) });
    }
  }, [status, runId, queryClient]);

  if (run.isPending) return <p className="page muted state-text">Loading the run…</p>;
  if (run.isError) {
    return (
      <section className="page">
        <Link to={evaluationsPath}>← Evaluations</Link>
        <h1>Evaluation run</h1>
        <ErrorNotice error={run.error} onRetry={() => void run.refetch()} />
      </section>
    );
  }
  const current = run.data;
  const { done, total } = current.progress;
  return (
    <section className="page evaluation-run" aria-labelledby="run-heading">
      <Link to={`/agents/${encodeURIComponent(current.agentId)}`}>← The agent</Link>
      <h1 id="run-heading">Run of {current.setName}</h1>
      <p className="muted intro">
        {current.arms.map((arm) => armLabel(arm)).join(' compared with ')} · {current.caseCount} cases · started{' '}
        {formatDateTime(current.startedAt ?? current.createdAt)}
        {current.judgeModel ? ` · judged by ${current.judgeModel}` : ''}
      </p>
      <div className="row">
        <RunStatusBadge run={current} />
        {isGoing(current.status) ? (
          <>
            <progress className="evaluation-progress" max={total} value={done} aria-label="Answers so far" />
            <span role="status">
              {done} of {total} answers
            </span>
            <button
              type="button"
              className="danger"
              disabled={stop.isPending || current.isStopRequested}
              onClick={() => stop.mutate()}
            >
              {current.isStopRequested ? 'Stopping…' : 'Stop the run'}
            </button>
          </>
        ) : null}
      </div>
      {stop.error ? <ErrorNotice error={stop.error} /> : null}
      {current.error ? <ErrorNotice error={new Error(current.error)} /> : null}
      <section className="stack" aria-labelledby="run-summary-heading">
        <h2 id="run-summary-heading">Results</h2>
        <RunSummaryTable run={current} />
      </section>
      {current.judgePrompt ? (
        <details className="card">
          <summary>The judge&apos;s instructions</summary>
          <pre className="json-block">{current.judgePrompt}</pre>
        </details>
      ) : null}
      <RunCases run={current} />
    </section>
  );
}
