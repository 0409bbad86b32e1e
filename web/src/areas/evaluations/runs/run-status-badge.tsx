import type { EvaluationRun, RunStatus } from '../evaluations-api';

const statusLabels: Record<RunStatus, string> = {
  queued: 'Queued',
  running: 'Running',
  completed: 'Completed',
  stopped: 'Stopped',
  failed: 'Failed',
};

const statusClasses: Record<RunStatus, string> = {
  queued: 'badge',
  running: 'badge badge-warning',
  completed: 'badge badge-ok',
  stopped: 'badge',
  failed: 'badge badge-danger',
};

/** A run's state in a word; "Stopping" once a stop was asked for and the cases under way still finish. */
export function RunStatusBadge({ run }: { run: Pick<EvaluationRun, 'status' | 'isStopRequested'> }) {
  const isStopping = run.isStopRequested && (run.status === 'queued' || run.status === 'running');
  return <span className={statusClasses[run.status]}>{isStopping ? 'Stopping' : statusLabels[run.status]}</span>;
}
