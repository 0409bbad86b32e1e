import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useServices } from '../../../app-context';
import { ErrorNotice } from '../../../ui/error-notice';
import { Field } from '../../../ui/field';
import { StatusNote } from '../../../ui/status-note';
import { useExclusiveMutation } from '../../../ui/use-exclusive-mutation';
import { evaluationKeys, gateApiPath, useSetChoices, type EvaluationGate } from '../evaluations-api';

/**
 * The set a version must be run on before it is published: publishing then waits for a run showing it
 * passes no fewer cases than the published version. None: publishing is not held.
 */
export function PublishGateForm({ agentId }: { agentId: string }) {
  const { api } = useServices();
  const queryClient = useQueryClient();
  const sets = useSetChoices();
  const gate = useQuery({
    queryKey: evaluationKeys.gate(agentId),
    queryFn: () => api.get<EvaluationGate>(gateApiPath(agentId)),
  });
  // null until the person picks: the select shows the stored gate until then.
  const [picked, setPicked] = useState<string | null>(null);
  const chosen = picked ?? gate.data?.setId ?? '';
  const save = useExclusiveMutation({
    mutationFn: () => api.put<EvaluationGate>(gateApiPath(agentId), { setId: chosen || null }),
    onSuccess: (saved) => {
      queryClient.setQueryData(evaluationKeys.gate(agentId), saved);
      setPicked(null);
    },
  });

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    save.mutate();
  }

  if (gate.isError) return <ErrorNotice error={gate.error} onRetry={() => void gate.refetch()} />;
  return (
    <form className="card stack form" onSubmit={submit} aria-labelledby="publish-gate-heading">
      <h3 id="publish-gate-heading">Publish gate</h3>
      <Field
        label="Before publishing, run the set"
        field="setId"
        error={save.error}
        hint="A version is published only after a run on this set shows it passes no fewer cases than the published one. Rolling back is never held."
      >
        {(control) => (
          <select
            {...control}
            value={chosen}
            disabled={gate.isPending}
            onChange={(event) => {
              save.reset();
              setPicked(event.target.value);
            }}
          >
            <option value="">No gate</option>
            {(sets.data ?? []).map((set) => (
              <option key={set.id} value={set.id}>
                {set.name}
              </option>
            ))}
          </select>
        )}
      </Field>
      {save.error ? <ErrorNotice error={save.error} /> : null}
      <div className="row form-actions">
        <button type="submit" disabled={save.isPending || gate.isPending || picked === null}>
          {save.isPending ? 'Saving…' : 'Save gate'}
        </button>
        <StatusNote text={save.isSuccess ? 'Saved.' : null} />
      </div>
    </form>
  );
}
