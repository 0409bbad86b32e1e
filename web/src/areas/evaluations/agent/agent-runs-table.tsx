import { Link } from 'react-router';
import { CursorListView, type CursorList } from '../../../ui/cursor-list';
import { formatDateTime } from '../../../ui/format';
import { armLabel, formatPercent } from '../evaluation-format';
import { isGoing, runPagePath, type EvaluationRun } from '../evaluations-api';
import { RunStatusBadge } from '../runs/run-status-badge';

/** The agent's runs, newest first: state, progress while they go, each arm's pass rate, and a link to each. */
export function AgentRunsTable({ list }: { list: CursorList<EvaluationRun> }) {
  return (
    <CursorListView list={list} loadingText="Loading the runs…" emptyText="No runs yet.">
      {(runs) => (
        <table className="responsive">
          <caption className="visually-hidden">Runs of this agent</caption>
          <thead>
            <tr>
              <th scope="col">Started</th>
              <th scope="col">Set</th>
              <th scope="col">State</th>
              <th scope="col">Pass rate</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {runs.map((run) => (
              <tr key={run.id}>
                <td data-label="Started">{formatDateTime(run.createdAt)}</td>
                <td data-label="Set">{run.setName}</td>
                <td data-label="State">
                  <RunStatusBadge run={run} />{' '}
                  {isGoing(run.status) ? (
                    <progress
                      className="evaluation-progress"
                      max={run.progress.total}
                      value={run.progress.done}
                      aria-label={`Answers so far: ${run.progress.done} of ${run.progress.total}`}
                    />
                  ) : null}
                </td>
                <td data-label="Pass rate">
                  <ul className="plain-list">
                    {run.summary.map((arm, index) => (
                      <li key={arm.arm}>
                        {armLabel({ ...arm, isModelOverridden: run.arms[index]?.isModelOverridden ?? false })}:{' '}
                        <strong>{formatPercent(arm.passRate)}</strong>
                      </li>
                    ))}
                  </ul>
                </td>
                <td className="cell-actions">
                  <Link to={runPagePath(run.id)}>
                    Open <span className="visually-hidden">the run of {formatDateTime(run.createdAt)}</span>
                  </Link>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </CursorListView>
  );
}
