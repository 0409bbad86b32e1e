import { useCursorList } from '../../../ui/cursor-list';
import type { Agent } from '../../agents/agents-api';
import { evaluationKeys, isGoing, runsApiPath, type EvaluationRun } from '../evaluations-api';
import { AgentRunsTable } from './agent-runs-table';
import { PassRateChart } from './pass-rate-chart';
import { PublishGateForm } from './publish-gate-form';
import { StartRunForm } from './start-run-form';

/** While a run of the list goes, the list is read again this often: its progress and pass rates move. */
const pollWhileGoingMs = 1500;

/**
 * Evaluations on the agent's page, for those who may change it: a run of a set against its versions
 * or models, the runs so far, the pass rate over versions, and the gate before publishing.
 */
export function AgentEvaluationsSection({ agent }: { agent: Agent }) {
  const runs = useCursorList<EvaluationRun>(
    evaluationKeys.runs(agent.id),
    `${runsApiPath}?agentId=${encodeURIComponent(agent.id)}`,
    20,
    { pollEveryMs: (items) => (items.some((run) => isGoing(run.status)) ? pollWhileGoingMs : false) },
  );
  return (
    <section className="stack" aria-labelledby="agent-evaluations-heading">
      <h2 id="agent-evaluations-heading">Evaluations</h2>
      <p className="muted">
        Run an evaluation set against this agent to see how a draft, an earlier version or another model answers before
        anyone gets it. A run asks the model once per case and arm, and the judge, if any, once per answer.
      </p>
      {/* Keyed by the draft: a draft saved above makes "published against draft" the default comparison. */}
      <StartRunForm key={agent.draftVersion ?? 'no draft'} agent={agent} />
      <h3>Runs</h3>
      <AgentRunsTable list={runs} />
      <PassRateChart runs={runs.items} />
      <PublishGateForm agentId={agent.id} />
    </section>
  );
}
