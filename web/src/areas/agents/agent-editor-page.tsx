import { useQueryClient } from '@tanstack/react-query';
import { useNavigate, useParams } from 'react-router';
import { hasRoleAtLeast, useServices, useSignedInSession } from '../../app-context';
import { ErrorNotice } from '../../ui/error-notice';
import { AgentEvaluationsSection } from '../evaluations/agent/agent-evaluations-section';
import { AgentForm } from './agent-form';
import { AgentVersionsSection } from './agent-versions-section';
import {
  agentKeys,
  useAgent,
  useKnowledgeSourceChoices,
  useModelChoices,
  type Agent,
  type AgentInput,
} from './agents-api';
import { useExclusiveMutation } from '../../ui/use-exclusive-mutation';

export const agentsPath = '/agents';

/** Create or edit one agent; back to the list when saved. */
function AgentEditor(props: { agent?: Agent }) {
  const { api } = useServices();
  const session = useSignedInSession();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const modelChoices = useModelChoices();
  const knowledgeSources = useKnowledgeSourceChoices();
  const { agent } = props;

  // A draft holds how the agent answers, not its name or who may use it (docs/agents.md).
  const saveDraft = useExclusiveMutation({
    mutationFn: ({ name: _name, visibility: _visibility, ...settings }: AgentInput) =>
      api.put(`/v1/agents/${agent!.id}/draft`, settings),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: agentKeys.all }),
  });

  const save = useExclusiveMutation({
    mutationFn: (input: AgentInput) =>
      agent ? api.patch<Agent>(`/v1/agents/${agent.id}`, input) : api.post<Agent>('/v1/agents', input),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: agentKeys.all });
      await navigate(agentsPath);
    },
  });

  return (
    <section className="page" aria-labelledby="agent-editor-heading">
      <h1 id="agent-editor-heading">{agent ? `Edit agent ${agent.name}` : 'New agent'}</h1>
      <AgentForm
        agent={agent}
        modelChoices={modelChoices.data}
        modelChoicesError={modelChoices.error}
        onRetryModelChoices={() => void modelChoices.refetch()}
        knowledgeSources={knowledgeSources.data}
        knowledgeSourcesError={knowledgeSources.error}
        onRetryKnowledgeSources={() => void knowledgeSources.refetch()}
        canShare={hasRoleAtLeast(session.user.role, 'tenant_admin')}
        tenantName={session.tenant.name}
        isBusy={save.isPending || saveDraft.isPending}
        error={save.error ?? saveDraft.error}
        onSubmit={(input) => save.mutate(input)}
        {...(agent && { onSaveDraft: (input: AgentInput) => saveDraft.mutate(input) })}
        onCancel={() => void navigate(agentsPath)}
      />
      {saveDraft.isSuccess ? (
        <p role="status" className="muted">
          Saved as a draft: conversations keep the published version until you publish it below.
        </p>
      ) : null}
      {agent ? <AgentVersionsSection agent={agent} /> : null}
      {/* The server shows the instructions only to those who may change the agent: they alone may evaluate it. */}
      {agent?.instructions !== undefined ? <AgentEvaluationsSection agent={agent} /> : null}
    </section>
  );
}

export function NewAgentPage() {
  return <AgentEditor />;
}

export function EditAgentPage() {
  const { agentId = '' } = useParams();
  const agent = useAgent(agentId);
  if (agent.isPending) return <p className="page muted state-text">Loading the agent…</p>;
  if (agent.isError) {
    return (
      <section className="page">
        <h1>Edit agent</h1>
        <ErrorNotice error={agent.error} onRetry={() => void agent.refetch()} />
      </section>
    );
  }
  // Keyed by the agent, so the form starts again from what the server holds.
  return <AgentEditor key={`${agent.data.id}-${agent.data.updatedAt}`} agent={agent.data} />;
}
