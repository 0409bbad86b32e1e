import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { useServices } from '../../../app-context';
import { ErrorNotice } from '../../../ui/error-notice';
import { Field, FieldGroup } from '../../../ui/field';
import { useExclusiveMutation } from '../../../ui/use-exclusive-mutation';
import { useAgentVersions, useModelChoices, type Agent } from '../../agents/agents-api';
import {
  evaluationKeys,
  runPagePath,
  runsApiPath,
  useSetChoices,
  type ArmInput,
  type EvaluationRun,
  type StartRunInput,
} from '../evaluations-api';

/** An arm as the form holds it: a version (`published`, `draft` or a number) and a model ('' : the version's own). */
interface ArmChoice {
  version: string;
  model: string;
}

const armInputOf = (choice: ArmChoice): ArmInput => ({
  version: choice.version === 'published' || choice.version === 'draft' ? choice.version : Number(choice.version),
  ...(choice.model && { model: choice.model }),
});

/**
 * Starts a run of a set against the agent. With a draft waiting, it compares the draft with the
 * published version by default, the question a draft raises; otherwise one arm, or any two versions
 * or models when asked.
 */
export function StartRunForm({ agent }: { agent: Agent }) {
  const { api } = useServices();
  const queryClient = useQueryClient();
  const sets = useSetChoices();
  const models = useModelChoices();
  const versions = useAgentVersions(agent.id);
  const hasDraft = agent.draftVersion !== null && agent.draftVersion !== undefined;
  const [setId, setSetId] = useState('');
  const [first, setFirst] = useState<ArmChoice>({ version: 'published', model: '' });
  const [second, setSecond] = useState<ArmChoice>({ version: hasDraft ? 'draft' : 'published', model: '' });
  const [isComparing, setIsComparing] = useState(hasDraft);
  const [judgeModel, setJudgeModel] = useState('');
  const chosenSetId = setId || sets.data?.[0]?.id || '';

  const start = useExclusiveMutation({
    mutationFn: () => {
      const input: StartRunInput = {
        setId: chosenSetId,
        agentId: agent.id,
        arms: isComparing ? [armInputOf(first), armInputOf(second)] : [armInputOf(first)],
        ...(judgeModel && { judgeModel }),
      };
      return api.post<EvaluationRun>(runsApiPath, input);
    },
    onSuccess: () => queryClient.invalidateQueries({ queryKey: evaluationKeys.runs(agent.id) }),
  });

  const versionOptions = [
    { value: 'published', label: `Published (version ${agent.publishedVersion ?? '?'})` },
    ...(hasDraft ? [{ value: 'draft', label: `Draft (version ${agent.draftVersion})` }] : []),
    ...(versions.data?.items ?? [])
      .filter((version) => version.state === 'earlier')
      .map((version) => ({ value: String(version.number), label: `Version ${version.number}` })),
  ];
  const modelOptions = models.data?.models ?? [];

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    start.mutate();
  }

  if (sets.isSuccess && sets.data.length === 0) {
    return (
      <p className="muted">
        No evaluation sets yet. <Link to="/evaluations">Make one in Evaluations</Link>, then run it here.
      </p>
    );
  }
  return (
    <form className="card stack form" onSubmit={submit} aria-labelledby="start-run-heading">
      <h3 id="start-run-heading">Start a run</h3>
      {sets.isError ? <ErrorNotice error={sets.error} onRetry={() => void sets.refetch()} /> : null}
      {models.isError ? <ErrorNotice error={models.error} onRetry={() => void models.refetch()} /> : null}
      <Field label="Set" field="setId" error={start.error} hint={sets.isPending ? 'Loading the sets…' : undefined}>
        {(control) => (
          <select {...control} value={chosenSetId} onChange={(event) => setSetId(event.target.value)} required>
            {(sets.data ?? []).map((set) => (
              <option key={set.id} value={set.id}>
                {set.name} ({set.caseCount} cases)
              </option>
            ))}
          </select>
        )}
      </Field>
      <label className="inline">
        <input type="checkbox" checked={isComparing} onChange={(event) => setIsComparing(event.target.checked)} />
        Compare two arms side by side
      </label>
      <div className="field-row">
        <ArmFields
          legend={isComparing ? 'First arm' : 'Arm'}
          field="arms.0"
          choice={first}
          onChange={setFirst}
          versionOptions={versionOptions}
          modelOptions={modelOptions}
          error={start.error}
        />
        {isComparing ? (
          <ArmFields
            legend="Second arm"
            field="arms.1"
            choice={second}
            onChange={setSecond}
            versionOptions={versionOptions}
            modelOptions={modelOptions}
            error={start.error}
          />
        ) : null}
      </div>
      <Field
        label="Judge model"
        field="judgeModel"
        error={start.error}
        hint="Scores each answer's faithfulness and relevance from 1 to 5; its calls are charged too."
      >
        {(control) => (
          <select {...control} value={judgeModel} onChange={(event) => setJudgeModel(event.target.value)}>
            <option value="">No judge</option>
            {modelOptions.map((model) => (
              <option key={model} value={model}>
                {model}
              </option>
            ))}
          </select>
        )}
      </Field>
      {start.error ? <ErrorNotice error={start.error} /> : null}
      <div className="row form-actions">
        <button type="submit" className="primary" disabled={start.isPending || !chosenSetId}>
          {start.isPending ? 'Starting…' : 'Start run'}
        </button>
        {start.isSuccess ? (
          <span role="status">
            Run started. <Link to={runPagePath(start.data.id)}>Open the run</Link>
          </span>
        ) : null}
      </div>
    </form>
  );
}

function ArmFields(props: {
  legend: string;
  field: string;
  choice: ArmChoice;
  onChange: (choice: ArmChoice) => void;
  versionOptions: { value: string; label: string }[];
  modelOptions: string[];
  error: unknown;
}) {
  const { choice, onChange } = props;
  return (
    <FieldGroup legend={props.legend} field={props.field} error={props.error}>
      {/* The server names an arm's problems by its index: shown once, under the arm's legend. */}
      <Field label="Version" field={`${props.field}.version`} error={null}>
        {(control) => (
          <select
            {...control}
            value={choice.version}
            onChange={(event) => onChange({ ...choice, version: event.target.value })}
          >
            {props.versionOptions.map((option) => (
              <option key={option.value} value={option.value}>
                {option.label}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label="Model override" field={`${props.field}.model`} error={null}>
        {(control) => (
          <select
            {...control}
            value={choice.model}
            onChange={(event) => onChange({ ...choice, model: event.target.value })}
          >
            <option value="">The version&apos;s own model</option>
            {props.modelOptions.map((model) => (
              <option key={model} value={model}>
                {model}
              </option>
            ))}
          </select>
        )}
      </Field>
    </FieldGroup>
  );
}
